using Cms.Application.Abstractions;
using Cms.Domain.Common;
using Cms.Domain.Taxonomies;

namespace Cms.Application.Taxonomies;

/// <summary>
/// Checks a code against the tenant's current taxonomy of its kind. Once a tenant has published a taxonomy of a kind,
/// complaints take only its codes (an unknown code is a 400 naming the field) and record the version; a tenant that
/// keeps no taxonomy of that kind classifies with free codes (version null).
/// </summary>
public static class Classification
{
    public static async Task<Result<Classified>> ResolveAsync(ITaxonomyRepository taxonomies, TaxonomyKind kind, string field, string code,
        CancellationToken cancellationToken)
    {
        var trimmed = code.Trim();
        var lookup = await taxonomies.LookupAsync(kind, trimmed, cancellationToken);
        if (lookup.CurrentVersion is not { } version)
        {
            return new Classified(trimmed, null);
        }

        return lookup.Contains
            ? new Classified(trimmed, version)
            : Error.Validation(field,
                $"'{field}' must be a code of the tenant's {kind.ToWire()} taxonomy (version {version}); see GET /v1/taxonomies/{kind.ToWire()}.");
    }
}
