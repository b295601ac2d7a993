using Cms.Domain.Taxonomies;

namespace Cms.Application.Taxonomies;

public interface ITaxonomyQueries
{
    /// <summary>A version of the tenant's taxonomy of the kind, the latest when <paramref name="version"/> is null.</summary>
    Task<TaxonomyDto?> GetAsync(TaxonomyKind kind, int? version, CancellationToken cancellationToken);
}
