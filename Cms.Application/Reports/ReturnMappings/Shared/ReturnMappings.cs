using Cms.Application.Common;
using Cms.Domain.Taxonomies;

namespace Cms.Application.Reports.ReturnMappings;

/// <summary>One of the tenant's codes (a product for fca_product, a category for fca_cause and dot_category) and the
/// regulator's code it is reported under.</summary>
public sealed record ReturnMappingEntry(string? Code, string? TargetCode);

/// <summary>The tenant's mapping onto one reference taxonomy, and the version of that taxonomy its targets are checked against.</summary>
public sealed record ReturnMappingDto(TaxonomyKind Kind, int TargetVersion, IReadOnlyList<ReturnMappingEntry> Entries);

/// <summary>The stored mappings of the tenant in scope. A mapping taken away keeps its row with no target (nothing is deleted).</summary>
public interface IReturnMappingStore
{
    Task<IReadOnlyList<ReturnMappingEntry>> GetAsync(TaxonomyKind kind, CancellationToken cancellationToken);

    Task ReplaceAsync(TaxonomyKind kind, IReadOnlyList<ReturnMappingEntry> entries, DateTimeOffset now, CancellationToken cancellationToken);
}

/// <summary>The kinds a tenant maps its codes onto, and which of its own kinds each maps from.</summary>
public static class ReturnMappingKinds
{
    public static TaxonomyKind? SourceOf(TaxonomyKind kind) => kind switch
    {
        TaxonomyKind.FcaProduct => TaxonomyKind.Product,
        TaxonomyKind.FcaCause or TaxonomyKind.DotCategory => TaxonomyKind.Category,
        _ => null,
    };

    public static void ValidateKind(TaxonomyKind kind, ValidationErrors errors)
    {
        if (SourceOf(kind) is null)
        {
            errors.Add("kind", "'kind' must be fca_product (from products), fca_cause or dot_category (from categories).");
        }
    }
}
