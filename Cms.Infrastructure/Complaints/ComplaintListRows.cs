using System.Data.Common;
using Cms.Application.Complaints;
using Cms.Domain.Common;
using Cms.Domain.Complaints;
using Cms.Domain.Regulation;
using Cms.Infrastructure.Persistence;

namespace Cms.Infrastructure.Complaints;

/// <summary>
/// A row of the complaint list ("overdue" computed against the caller's clock). The queue page reads 51 of them on every
/// request, so they are read from the reader by hand (<see cref="Read"/>, in the order of <see cref="Columns"/>) and made
/// DTOs by hand, like <see cref="DueRow"/>: Dapper's mapper and Mapster's per-row context were a tenth of the page's CPU
/// in the service (docs/performance.md, "The reads' CPU in the service").
/// </summary>
internal sealed class ComplaintSummaryRow
{
    public Guid Id { get; init; }
    public string Reference { get; init; } = "";
    public Guid ConsumerId { get; init; }
    public string Channel { get; init; } = "";
    public string Product { get; init; } = "";
    public string Category { get; init; } = "";
    public string Priority { get; init; } = "";
    public string Status { get; init; } = "";
    public Guid? AssigneeId { get; init; }
    public DateTimeOffset ReceivedAt { get; init; }
    public DateTimeOffset? NextDueAt { get; init; }
    public long Version { get; init; }
    public Guid? QueueId { get; init; }

    public const string Columns = "id, reference, consumer_id, channel, product, category, priority, status, assignee_id, received_at, next_due_at, version, queue_id";

    /// <summary>The row at the reader's position, its columns those of <see cref="Columns"/> in that order.</summary>
    public static ComplaintSummaryRow Read(DbDataReader r) => new()
    {
        Id = RowValues.Id(r, 0),
        Reference = r.GetString(1),
        ConsumerId = RowValues.Id(r, 2),
        Channel = r.GetString(3),
        Product = r.GetString(4),
        Category = r.GetString(5),
        Priority = r.GetString(6),
        Status = r.GetString(7),
        AssigneeId = RowValues.OptionalId(r, 8),
        ReceivedAt = RowValues.Instant(r, 9),
        NextDueAt = RowValues.OptionalInstant(r, 10),
        Version = r.GetInt64(11),
        QueueId = RowValues.OptionalId(r, 12),
    };

    public ComplaintSummaryDto ToDto(DateTimeOffset now) => new(Id, Reference, ConsumerId, WireNames.Parse<Channel>(Channel), Product,
        Category, WireNames.Parse<Priority>(Priority), WireNames.Parse<ComplaintStatus>(Status), AssigneeId, ReceivedAt, NextDueAt,
        NextDueAt < now, Version)
    {
        QueueId = QueueId,
    };
}

/// <summary>A row of the due list.</summary>
internal sealed class DueRow
{
    public Guid ComplaintId { get; init; }
    public string Reference { get; init; } = "";
    public string Status { get; init; } = "";
    public Guid? AssigneeId { get; init; }
    public string Priority { get; init; } = "";
    public DateTimeOffset ReceivedAt { get; init; }
    public string Kind { get; init; } = "";
    public DateTimeOffset DueAt { get; init; }
    public long Version { get; init; }
    public Guid? QueueId { get; init; }

    public DueComplaintDto ToDto(DateTimeOffset now) => new(ComplaintId, Reference, WireNames.Parse<ComplaintStatus>(Status), AssigneeId,
        WireNames.Parse<Priority>(Priority), ReceivedAt, WireNames.Parse<DeadlineKind>(Kind), DueAt, DueAt < now, Version)
    {
        QueueId = QueueId,
    };
}
