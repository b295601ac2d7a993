using Cms.Domain.Taxonomies;

namespace Cms.Application.Taxonomies;

public interface ITaxonomyQueries
{
    /// <summary>A version of the tenant's taxonomy of the kind, the latest when <paramref name="version"/> is null.</summary>
    Task<TaxonomyDto?> GetAsync(TaxonomyKind kind, int? version, CancellationToken cancellationToken);

    /// <summary>As <see cref="GetAsync"/>, its read (unless the version is known already) queued to travel with the
    /// transaction's next load; the function, called after that load, gives the version.</summary>
    Func<CancellationToken, Task<TaxonomyDto?>> GetAlong(TaxonomyKind kind, int? version) =>
        cancellationToken => GetAsync(kind, version, cancellationToken);
}
