using Cms.Application.Common;
using Cms.Application.Queues;
using Cms.Domain.Common;
using Cms.Domain.Complaints;
using Mediator;

namespace Cms.Application.Complaints.ListComplaints;

/// <summary>
/// Complaints, oldest received first, keyset-paged; narrowed by status, assignee, category, consumer, deadlines, receipt
/// date, one queue (by code) and <see cref="Unassigned"/> (true: only unassigned ones; false: only assigned ones).
/// </summary>
public sealed record ListComplaintsQuery(
    ComplaintStatus? Status,
    Guid? AssigneeId,
    string? Category,
    Guid? ConsumerId,
    DateTimeOffset? DueBefore,
    bool? Overdue,
    DateTimeOffset? ReceivedFrom,
    DateTimeOffset? ReceivedTo,
    int? Limit,
    string? Cursor) : IQuery<Result<Page<ComplaintSummaryDto>>>, IUseCaseMessage, IPagedRequest
{
    UseCase IUseCaseMessage.UseCase => UseCase.ListComplaints;

    /// <summary>The code of one of the tenant's queues (retired ones too).</summary>
    public string? Queue { get; init; }

    public bool? Unassigned { get; init; }

    /// <summary>The complaint reference, exact.</summary>
    public string? Reference { get; init; }

    public string? Product { get; init; }

    public Channel? Channel { get; init; }

    public bool? Vulnerable { get; init; }

    /// <summary>Keyword search over descriptions and notes (<see cref="SearchWords"/>; every word must match).</summary>
    public string? Q { get; init; }
}

public sealed class ListComplaintsValidator : IValidator<ListComplaintsQuery>
{
    public void Validate(ListComplaintsQuery request, ValidationErrors errors)
    {
        errors.Defined("status", request.Status, required: false);
        errors.MaxLength("category", request.Category, Limits.Category);
        errors.MaxLength("product", request.Product, Limits.Product);
        errors.MaxLength("reference", request.Reference, Limits.Reference);
        errors.Defined("channel", request.Channel, required: false);
        if (request.Q is { } q)
        {
            if (q.Length > SearchWords.MaxQueryLength)
            {
                errors.Add("q", $"'q' is at most {SearchWords.MaxQueryLength} characters.");
            }
            else if (SearchWords.Of(q).Count is 0 or > SearchWords.MaxPerQuery)
            {
                errors.Add("q", $"'q' needs 1 to {SearchWords.MaxPerQuery} words of two characters or more.");
            }
        }

        QueueFilter.Validate(request.Queue, request.Unassigned, request.AssigneeId, errors);
        if (request.ReceivedFrom is { } from && request.ReceivedTo is { } to && from > to)
        {
            errors.Add("receivedFrom", "'receivedFrom' must not be after 'receivedTo'.");
        }

        errors.Page(request, orderedByInstant: true);
    }
}

internal sealed class ListComplaintsHandler(IComplaintQueries complaints, IQueueQueries queues, TimeProvider clock)
    : IQueryHandler<ListComplaintsQuery, Result<Page<ComplaintSummaryDto>>>
{
    public async ValueTask<Result<Page<ComplaintSummaryDto>>> Handle(ListComplaintsQuery query, CancellationToken cancellationToken)
    {
        var queue = await QueueFilter.ResolveAsync(queues, query.Queue, cancellationToken);
        if (!queue.IsSuccess)
        {
            return queue.Error;
        }

        var filter = new ComplaintFilter(query.Status, query.AssigneeId, query.Category, query.ConsumerId,
            query.DueBefore?.ToUniversalTime(), query.Overdue, query.ReceivedFrom?.ToUniversalTime(), query.ReceivedTo?.ToUniversalTime(),
            queue.Value, query.Unassigned)
        {
            Reference = query.Reference?.Trim(),
            Product = query.Product,
            Channel = query.Channel,
            Vulnerable = query.Vulnerable,
            Keywords = query.Q,
        };
        return await complaints.ListAsync(filter, clock.GetUtcNow(), query.EffectiveLimit(), query.After(), cancellationToken);
    }
}
