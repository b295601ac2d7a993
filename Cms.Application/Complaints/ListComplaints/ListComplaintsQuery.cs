using Cms.Application.Abstractions;
using Cms.Application.Common;
using Cms.Domain.Common;
using Cms.Domain.Complaints;
using Mediator;

namespace Cms.Application.Complaints.ListComplaints;

/// <summary>The complaint queue, oldest received first, keyset-paged.</summary>
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
}

public sealed class ListComplaintsValidator : IValidator<ListComplaintsQuery>
{
    public void Validate(ListComplaintsQuery request, ValidationErrors errors)
    {
        errors.Defined("status", request.Status, required: false);
        errors.MaxLength("category", request.Category, Limits.Category);
        if (request.ReceivedFrom is { } from && request.ReceivedTo is { } to && from > to)
        {
            errors.Add("receivedFrom", "'receivedFrom' must not be after 'receivedTo'.");
        }

        errors.Page(request, orderedByInstant: true);
    }
}

public sealed class ListComplaintsHandler(IComplaintQueries complaints, TimeProvider clock)
    : IQueryHandler<ListComplaintsQuery, Result<Page<ComplaintSummaryDto>>>
{
    public async ValueTask<Result<Page<ComplaintSummaryDto>>> Handle(ListComplaintsQuery query, CancellationToken cancellationToken)
    {
        var filter = new ComplaintFilter(query.Status, query.AssigneeId, query.Category, query.ConsumerId,
            query.DueBefore?.ToUniversalTime(), query.Overdue, query.ReceivedFrom?.ToUniversalTime(), query.ReceivedTo?.ToUniversalTime());
        return await complaints.ListAsync(filter, clock.GetUtcNow(), query.EffectiveLimit(), query.After(), cancellationToken);
    }
}
