using Cms.Application.Common;
using Cms.Domain.Common;
using Mediator;

namespace Cms.Application.Audit.ListAudit;

/// <summary>The tenant's audit trail, oldest first.</summary>
public sealed record ListAuditQuery(int? Limit, string? Cursor) : IQuery<Result<Page<AuditEntryDto>>>, IUseCaseMessage, IPagedRequest
{
    UseCase IUseCaseMessage.UseCase => UseCase.ListAudit;
}

public sealed class ListAuditValidator : IValidator<ListAuditQuery>
{
    public void Validate(ListAuditQuery request, ValidationErrors errors) => errors.Page(request, orderedByInstant: true);
}

internal sealed class ListAuditHandler(IAuditQueries audit) : IQueryHandler<ListAuditQuery, Result<Page<AuditEntryDto>>>
{
    public async ValueTask<Result<Page<AuditEntryDto>>> Handle(ListAuditQuery query, CancellationToken cancellationToken) =>
        await audit.ListAsync(null, null, query.EffectiveLimit(), query.After(), cancellationToken);
}
