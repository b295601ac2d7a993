using Cms.Application.Abstractions;
using Cms.Application.Common;
using Cms.Domain.Common;
using Cms.Domain.Taxonomies;
using Mediator;

namespace Cms.Application.Taxonomies.GetTaxonomy;

/// <summary>A version of the tenant's taxonomy of a kind; the latest when no version is named.</summary>
public sealed record GetTaxonomyQuery(TaxonomyKind Kind, int? Version) : IQuery<Result<TaxonomyDto>>, IUseCaseMessage
{
    UseCase IUseCaseMessage.UseCase => UseCase.GetTaxonomy;
}

public sealed class GetTaxonomyValidator : IValidator<GetTaxonomyQuery>
{
    public void Validate(GetTaxonomyQuery request, ValidationErrors errors)
    {
        errors.Defined("kind", (TaxonomyKind?)request.Kind);
        if (request.Version is < 1)
        {
            errors.Add("version", "'version' must be a positive number.");
        }
    }
}

internal sealed class GetTaxonomyHandler(ITaxonomyQueries taxonomies) : IQueryHandler<GetTaxonomyQuery, Result<TaxonomyDto>>
{
    public async ValueTask<Result<TaxonomyDto>> Handle(GetTaxonomyQuery query, CancellationToken cancellationToken) =>
        await taxonomies.GetAsync(query.Kind, query.Version, cancellationToken) is { } taxonomy
            ? taxonomy
            : Error.NotFound("taxonomy");
}
