using Cms.Application.Abstractions;
using Cms.Domain.Common;
using Cms.Domain.Taxonomies;
using Cms.Infrastructure.Persistence;

namespace Cms.Infrastructure.Taxonomies;

/// <summary>The tenant's taxonomies. Look-ups of a code (every filing makes two) are served from the service's cache under
/// the tenant's reference stamp; publishing a version sets a new stamp in its transaction.</summary>
internal sealed class TaxonomyRepository(DbSession db, TenantScope scope, ReferenceCache cache, ReferenceStamp stamp) : ITaxonomyRepository
{
    public Task<int> CurrentVersionAsync(TaxonomyKind kind, CancellationToken cancellationToken) =>
        db.ExecuteScalarAsync<int>("SELECT COALESCE(MAX(version), 0) FROM taxonomies WHERE tenant_id = @TenantId AND kind = @Kind",
            new { TenantId = scope.Required, Kind = kind.ToWire() }, cancellationToken);

    public async Task AddAsync(Taxonomy taxonomy, Guid? publishedBy, CancellationToken cancellationToken)
    {
        var tenantId = TenantGuard.Check(scope, taxonomy.TenantId);
        var kind = taxonomy.Kind.ToWire();
        // Nobody reads these writes' counts: they travel with COMMIT (docs/adr/0011); a version published concurrently fails
        // there on its key (409), as it failed here before.
        await db.DeferAsync(TaxonomyRow.Map.Insert,
            new TaxonomyRow
            {
                TenantId = tenantId,
                Kind = kind,
                Version = taxonomy.Version,
                Id = taxonomy.Id,
                EntryCount = taxonomy.Entries.Count,
                PublishedBy = publishedBy,
                PublishedAt = taxonomy.PublishedAt,
            },
            cancellationToken);
        await db.DeferAsync(TaxonomyEntryRow.Map.Insert,
            taxonomy.Entries.Select((e, i) => new TaxonomyEntryRow
            {
                TenantId = tenantId,
                Kind = kind,
                Version = taxonomy.Version,
                Code = e.Code,
                Label = e.Label,
                Position = i,
            }).ToList(),
            cancellationToken);
        await stamp.ChangedAsync(cancellationToken);
    }

    public Task<TaxonomyLookup> LookupAsync(TaxonomyKind kind, string code, CancellationToken cancellationToken) =>
        cache.GetAsync(stamp, $"taxonomy:{kind.ToWire()}:{code}", () => ReadLookupAsync(kind, code, cancellationToken));

    private async Task<TaxonomyLookup> ReadLookupAsync(TaxonomyKind kind, string code, CancellationToken cancellationToken)
    {
        var row = await db.QuerySingleOrDefaultAsync<TaxonomyLookupRow>(
            """
            SELECT t.version, e.code
            FROM taxonomies t
            LEFT JOIN taxonomy_entries e
                   ON e.tenant_id = t.tenant_id AND e.kind = t.kind AND e.version = t.version AND e.code = @Code
            WHERE t.tenant_id = @TenantId AND t.kind = @Kind
            ORDER BY t.version DESC
            LIMIT 1
            """,
            new { TenantId = scope.Required, Kind = kind.ToWire(), Code = code }, cancellationToken);
        return row is null ? new TaxonomyLookup(null, false) : new TaxonomyLookup(row.Version, row.Code is not null);
    }

    private sealed class TaxonomyLookupRow
    {
        public int Version { get; init; }
        public string? Code { get; init; }
    }
}
