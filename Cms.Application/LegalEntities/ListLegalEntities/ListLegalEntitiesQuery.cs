using Cms.Application.Common;
using Cms.Domain.Common;
using Mediator;

namespace Cms.Application.LegalEntities.ListLegalEntities;

/// <summary>The tenant's legal entities, oldest first, keyset paged (agent+, auditor).</summary>
public sealed record ListLegalEntitiesQuery(int? Limit, string? Cursor) : IQuery<Result<Page<LegalEntityDto>>>, IUseCaseMessage, IPagedRequest
{
    UseCase IUseCaseMessage.UseCase => UseCase.ListLegalEntities;
}

public sealed class ListLegalEntitiesValidator : IValidator<ListLegalEntitiesQuery>
{
    public void Validate(ListLegalEntitiesQuery request, ValidationErrors errors) => errors.Page(request, orderedByInstant: true);
}

internal sealed class ListLegalEntitiesHandler(ILegalEntityQueries entities) : IQueryHandler<ListLegalEntitiesQuery, Result<Page<LegalEntityDto>>>
{
    public async ValueTask<Result<Page<LegalEntityDto>>> Handle(ListLegalEntitiesQuery query, CancellationToken cancellationToken) =>
        await entities.ListAsync(query.EffectiveLimit(), query.After(), cancellationToken);
}
