using Cms.Application.Abstractions;
using Cms.Application.Common;
using Cms.Application.Queues;
using Cms.Domain.Common;
using Cms.Domain.Complaints;
using Cms.Domain.Regulation;
using Mediator;

namespace Cms.Application.Complaints.ListDueComplaints;

/// <summary>
/// Open complaints by deadline, soonest first, keyset-paged: at most one of <paramref name="Overdue"/> (past due and
/// unmet), <paramref name="WithinDays"/> (due in the next N days, not yet overdue) or <paramref name="AtRisk"/> (due
/// within the tenant's at-risk window, not yet overdue); none of them lists every open complaint with a deadline.
/// Narrowed by assignee, status, queue (by code), unassigned=true and deadline kind (default: each complaint's next regulatory deadline; a kind
/// such as internal_sla lists that deadline instead, a paused SLA is not due).
/// </summary>
public sealed record ListDueComplaintsQuery(
    bool? Overdue,
    int? WithinDays,
    bool? AtRisk,
    Guid? AssigneeId,
    ComplaintStatus? Status,
    DeadlineKind? Kind,
    int? Limit,
    string? Cursor) : IQuery<Result<Page<DueComplaintDto>>>, IUseCaseMessage, IPagedRequest
{
    UseCase IUseCaseMessage.UseCase => UseCase.ListDueComplaints;

    public const int MaxWithinDays = 366;

    /// <summary>The code of one of the tenant's queues (retired ones too).</summary>
    public string? Queue { get; init; }

    /// <summary>True: unassigned complaints only (e.g. what a queue's agents may pick up); false or absent: any.</summary>
    public bool? Unassigned { get; init; }
}

public sealed class ListDueComplaintsValidator : IValidator<ListDueComplaintsQuery>
{
    public void Validate(ListDueComplaintsQuery request, ValidationErrors errors)
    {
        var selectors = (request.Overdue == true ? 1 : 0) + (request.WithinDays is null ? 0 : 1) + (request.AtRisk == true ? 1 : 0);
        if (selectors > 1)
        {
            errors.Add("overdue", "Give at most one of 'overdue', 'withinDays' and 'atRisk'.");
        }

        if (request.WithinDays is { } days && (days < 1 || days > ListDueComplaintsQuery.MaxWithinDays))
        {
            errors.Add("withinDays", $"'withinDays' must be between 1 and {ListDueComplaintsQuery.MaxWithinDays}.");
        }

        errors.Defined("status", request.Status, required: false);
        errors.Defined("kind", request.Kind, required: false);
        QueueFilter.Validate(request.Queue, request.Unassigned, request.AssigneeId, errors);
        if (request.Status is { } status && status is not (ComplaintStatus.Received or ComplaintStatus.Acknowledged
                or ComplaintStatus.Investigating or ComplaintStatus.AwaitingConsumer))
        {
            errors.Add("status", "Only open complaints have deadlines due: 'status' must be received, acknowledged, investigating or awaiting_consumer.");
        }

        errors.Page(request, orderedByInstant: true);
    }
}

internal sealed class ListDueComplaintsHandler(IComplaintQueries complaints, IQueueQueries queues, ITenantClockRepository clocks, TimeProvider clock)
    : IQueryHandler<ListDueComplaintsQuery, Result<Page<DueComplaintDto>>>
{
    public async ValueTask<Result<Page<DueComplaintDto>>> Handle(ListDueComplaintsQuery query, CancellationToken cancellationToken)
    {
        var queue = await QueueFilter.ResolveAsync(queues, query.Queue, cancellationToken);
        if (!queue.IsSuccess)
        {
            return queue.Error;
        }

        var now = clock.GetUtcNow();
        var (from, before) = query switch
        {
            { Overdue: true } => ((DateTimeOffset?)null, (DateTimeOffset?)now),
            { WithinDays: { } days } => (now, now.AddDays(days)),
            { AtRisk: true } => (now, now.AddDays((await clocks.GetSettingsAsync(cancellationToken)).AtRiskDays)),
            { Overdue: false } => (now, null),
            _ => (null, null),
        };
        return await complaints.ListDueAsync(new DueFilter(from, before, query.AssigneeId, query.Status, query.Kind, queue.Value,
                query.Unassigned == true), now,
            query.EffectiveLimit(), query.After(), cancellationToken);
    }
}
