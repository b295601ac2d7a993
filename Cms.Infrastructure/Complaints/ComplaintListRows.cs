using Cms.Application.Complaints;
using Cms.Domain.Common;
using Cms.Domain.Complaints;
using Cms.Domain.Regulation;

namespace Cms.Infrastructure.Complaints;

/// <summary>A row of the complaint list (with "overdue" computed by the query against the caller's clock).</summary>
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
