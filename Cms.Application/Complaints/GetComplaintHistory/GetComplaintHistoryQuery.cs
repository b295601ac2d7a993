using Cms.Application.Audit;
using Cms.Application.Common;
using Cms.Domain.Common;
using Mediator;

namespace Cms.Application.Complaints.GetComplaintHistory;

/// <summary>The audit timeline of one complaint, oldest first.</summary>
public sealed record GetComplaintHistoryQuery(Guid ComplaintId, int? Limit, string? Cursor)
    : IQuery<Result<Page<AuditEntryDto>>>, IUseCaseMessage, IPagedRequest, IComplaintScoped
{
    UseCase IUseCaseMessage.UseCase => UseCase.GetComplaintHistory;
}

public sealed class GetComplaintHistoryValidator : IValidator<GetComplaintHistoryQuery>
{
    public void Validate(GetComplaintHistoryQuery request, ValidationErrors errors) => errors.Page(request, orderedByInstant: true);
}

internal sealed class GetComplaintHistoryHandler(IComplaintQueries complaints, IAuditQueries audit)
    : IQueryHandler<GetComplaintHistoryQuery, Result<Page<AuditEntryDto>>>
{
    public async ValueTask<Result<Page<AuditEntryDto>>> Handle(GetComplaintHistoryQuery query, CancellationToken cancellationToken)
    {
        if (!await complaints.ExistsAsync(query.ComplaintId, cancellationToken))
        {
            return Error.NotFound("complaint");
        }

        return await audit.ListAsync(AuditTrail.Complaint, query.ComplaintId, query.EffectiveLimit(), query.After(), cancellationToken);
    }
}
