using Cms.Application.Abstractions;
using Cms.Application.Taxonomies;
using Cms.Domain.Common;
using Cms.Domain.Taxonomies;
using Cms.Infrastructure.Persistence;

namespace Cms.Infrastructure.Taxonomies;

// Reads the primary (not QuerySession): a version just published is read back at once by its publisher and by filings that cite it.
// A version with its entries is reference data: served from the service's cache under the tenant's reference stamp, which
// publishing renews in its transaction (docs/adr/0011 part 7: a return mapping and the FCA return read the current FCA ones).
// A version and its entries are one statement (one row per entry), so the read can travel with another load (part 8).
internal sealed class TaxonomyQueries(DbSession db, TenantScope scope, ReferenceCache cache, ReferenceStamp stamp) : ITaxonomyQueries
{
    public Task<TaxonomyDto?> GetAsync(TaxonomyKind kind, int? version, CancellationToken cancellationToken)
    {
        var (sql, key) = Read(kind, version);
        return cache.GetAsync(stamp, Key(kind, version), async () => Of(kind, await db.QueryAsync<VersionRow>(sql, key, cancellationToken)));
    }

    public Func<CancellationToken, Task<TaxonomyDto?>> GetAlong(TaxonomyKind kind, int? version) =>
        cache.GetAlong<TaxonomyDto?>(stamp, Key(kind, version), () =>
        {
            var (sql, key) = Read(kind, version);
            var read = db.ReadRowsAlong<VersionRow>(sql, key);
            return async cancellationToken => Of(kind, await read(cancellationToken));
        });

    private static string Key(TaxonomyKind kind, int? version) =>
        $"taxonomy:{kind.ToWire()}:{version?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "current"}";

    /// <summary>The version (the latest when <paramref name="version"/> is null) with its entries in order: one row per entry,
    /// or one with no entry for a version without any.</summary>
    private (string Sql, object Key) Read(TaxonomyKind kind, int? version) => (
        $"""
        SELECT t.id, t.version, t.published_by, t.published_at, e.code AS entry_code, e.label AS entry_label
        FROM taxonomies t
        LEFT JOIN taxonomy_entries e ON e.tenant_id = t.tenant_id AND e.kind = t.kind AND e.version = t.version
        WHERE t.tenant_id = @TenantId AND t.kind = @Kind
          AND t.version = {(version is null ? "(SELECT MAX(m.version) FROM taxonomies m WHERE m.tenant_id = @TenantId AND m.kind = @Kind)" : "@Version")}
        ORDER BY e.position
        """,
        new { TenantId = scope.Required, Kind = kind.ToWire(), Version = version ?? 0 });

    private static TaxonomyDto? Of(TaxonomyKind kind, IReadOnlyList<VersionRow> rows) =>
        rows.Count == 0 ? null
        : new TaxonomyDto(rows[0].Id, kind, rows[0].Version,
            [.. rows.Where(r => r.EntryCode is not null).Select(r => new TaxonomyEntryDto(r.EntryCode!, r.EntryLabel!))],
            rows[0].PublishedBy, rows[0].PublishedAt);

    private sealed class VersionRow
    {
        public Guid Id { get; init; }
        public int Version { get; init; }
        public Guid? PublishedBy { get; init; }
        public DateTimeOffset PublishedAt { get; init; }
        public string? EntryCode { get; init; }
        public string? EntryLabel { get; init; }
    }
}
