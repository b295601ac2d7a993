using Cms.Infrastructure.Persistence;

namespace Cms.Infrastructure.Taxonomies;

/// <summary>A taxonomies row: one published version of a tenant's list of a kind (immutable once written).</summary>
internal sealed class TaxonomyRow
{
    public Guid TenantId { get; init; }
    public string Kind { get; init; } = "";
    public int Version { get; init; }
    public Guid Id { get; init; }
    public int EntryCount { get; init; }
    public Guid? PublishedBy { get; init; }
    public DateTimeOffset PublishedAt { get; init; }

    public static readonly ColumnMap Map = new("taxonomies", keys: ["tenant_id", "kind", "version"],
        setOnce: ["id", "entry_count", "published_by", "published_at"], mutable: []);
}

/// <summary>A taxonomy_entries row: one code of a published version, at its position in the list.</summary>
internal sealed class TaxonomyEntryRow
{
    public Guid TenantId { get; init; }
    public string Kind { get; init; } = "";
    public int Version { get; init; }
    public string Code { get; init; } = "";
    public string Label { get; init; } = "";
    public int Position { get; init; }

    public static readonly ColumnMap Map = new("taxonomy_entries", keys: ["tenant_id", "kind", "version", "code"],
        setOnce: ["label", "position"], mutable: []);
}
