using Cms.Domain.Taxonomies;

namespace Cms.Application.Taxonomies;

public sealed record TaxonomyEntryDto(string Code, string Label);

/// <summary>One published version of a tenant's taxonomy.</summary>
public sealed record TaxonomyDto(Guid Id, TaxonomyKind Kind, int Version, IReadOnlyList<TaxonomyEntryDto> Entries, Guid? PublishedBy,
    DateTimeOffset PublishedAt);
