using Cms.Application.Common;
using Cms.Domain.Common;
using Cms.Domain.Reports;
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
    public async ValueTask<Result<TaxonomyDto>> Handle(GetTaxonomyQuery query, CancellationToken cancellationToken)
    {
        if (await taxonomies.GetAsync(query.Kind, query.Version, cancellationToken) is { } taxonomy)
        {
            return taxonomy;
        }

        // A regulator's taxonomy the tenant has not republished: the version built into the service (version 0).
        return query.Version is null && FcaReturnReference.BuiltIn(query.Kind) is { } builtIn
            ? new TaxonomyDto(Guid.Empty, query.Kind, FcaReturnReference.BuiltInVersion, [.. builtIn.Select(e => new TaxonomyEntryDto(e.Code, e.Label))],
                null, DateTimeOffset.UnixEpoch)
            : Error.NotFound("taxonomy");
    }
}
