using Cms.Application.Abstractions;
using Cms.Application.Taxonomies;
using Cms.Domain.Common;
using Cms.Domain.Taxonomies;
using Cms.Infrastructure.Persistence;

namespace Cms.Infrastructure.Taxonomies;

// Reads the primary (not QuerySession): a version just published is read back at once by its publisher and by filings that cite it.
// A version with its entries is reference data: served from the service's cache under the tenant's reference stamp, which
// publishing renews in its transaction (docs/adr/0011 part 7: a return mapping and the FCA return read the current FCA ones).
internal sealed class TaxonomyQueries(DbSession db, TenantScope scope, ReferenceCache cache, ReferenceStamp stamp) : ITaxonomyQueries
{
    public Task<TaxonomyDto?> GetAsync(TaxonomyKind kind, int? version, CancellationToken cancellationToken) =>
        cache.GetAsync(stamp, $"taxonomy:{kind.ToWire()}:{version?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "current"}",
            () => LoadAsync(kind, version, cancellationToken));

    private async Task<TaxonomyDto?> LoadAsync(TaxonomyKind kind, int? version, CancellationToken cancellationToken)
    {
        var key = new { TenantId = scope.Required, Kind = kind.ToWire(), Version = version ?? 0 };
        var header = await db.QuerySingleOrDefaultAsync<TaxonomyRow>(
            version is null
                ? $"SELECT {TaxonomyRow.Map.Columns} FROM taxonomies WHERE tenant_id = @TenantId AND kind = @Kind ORDER BY version DESC LIMIT 1"
                : $"SELECT {TaxonomyRow.Map.Columns} FROM taxonomies WHERE tenant_id = @TenantId AND kind = @Kind AND version = @Version",
            key, cancellationToken);
        if (header is null)
        {
            return null;
        }

        var entries = await db.QueryAsync<TaxonomyEntryDto>(
            "SELECT code, label FROM taxonomy_entries WHERE tenant_id = @TenantId AND kind = @Kind AND version = @Version ORDER BY position",
            new { key.TenantId, key.Kind, header.Version }, cancellationToken);
        return new TaxonomyDto(header.Id, kind, header.Version, entries, header.PublishedBy, header.PublishedAt);
    }
}
