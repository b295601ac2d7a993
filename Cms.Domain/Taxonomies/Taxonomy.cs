using System.Text.RegularExpressions;
using Cms.Domain.Common;

namespace Cms.Domain.Taxonomies;

/// <summary>The classifications a tenant keeps a taxonomy for.</summary>
public enum TaxonomyKind
{
    Product,
    Category,
    RootCause,

    /// <summary>The FCA return's product taxonomy (built-in version 0, docs/regulatory-returns.md); codes start with the section.</summary>
    FcaProduct,

    /// <summary>The FCA return's cause taxonomy.</summary>
    FcaCause,

    /// <summary>The DOT disability report's nature-of-complaint categories (14 CFR 382.157).</summary>
    DotCategory,
}

/// <summary>One entry: the code complaints carry and its label.</summary>
public sealed record TaxonomyEntry(string Code, string Label);

/// <summary>
/// One published version of a tenant's taxonomy of one kind. Versions are immutable: a change publishes the next
/// version, and a complaint keeps the version its code was chosen from, so old complaints stay classified as they were.
/// </summary>
public sealed partial record Taxonomy(Guid Id, Guid TenantId, TaxonomyKind Kind, int Version, IReadOnlyList<TaxonomyEntry> Entries,
    DateTimeOffset PublishedAt)
{
    public const int MaxEntries = 1_000;
    public const int MaxLabel = 200;

    public bool Contains(string code) => Entries.Any(e => string.Equals(e.Code, code, StringComparison.Ordinal));

    /// <summary>The next version after <paramref name="currentVersion"/> (0 when none exists) with these entries.</summary>
    public static Result<Taxonomy> Publish(Guid id, Guid tenantId, TaxonomyKind kind, int currentVersion,
        IReadOnlyList<TaxonomyEntry> entries, DateTimeOffset now)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (entries.Count is 0 or > MaxEntries)
        {
            errors["entries"] = [$"A taxonomy has between 1 and {MaxEntries} entries."];
        }

        var maxCode = MaxCodeLength(kind);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < entries.Count; i++)
        {
            var e = entries[i];
            if (e.Code is null || e.Code.Length > maxCode || !CodePattern().IsMatch(e.Code))
            {
                errors[$"entries[{i}].code"] = [$"A code is 1 to {maxCode} characters: lower-case letters, digits, '_', '-' or '.', starting with a letter or digit."];
            }
            else if (kind == TaxonomyKind.FcaProduct && Reports.FcaReturnReference.SectionOf(e.Code) is null)
            {
                errors[$"entries[{i}].code"] = [$"An FCA product code starts with its section, a permission, and a '.': e.g. banking.current_account."];
            }
            else if (!seen.Add(e.Code))
            {
                errors[$"entries[{i}].code"] = [$"The code '{e.Code}' appears more than once."];
            }

            if (string.IsNullOrWhiteSpace(e.Label) || e.Label.Length > MaxLabel)
            {
                errors[$"entries[{i}].label"] = [$"A label is required and at most {MaxLabel} characters."];
            }
        }

        if (errors.Count > 0)
        {
            return Error.Validation(errors);
        }

        return new Taxonomy(id, tenantId, kind, currentVersion + 1, [.. entries.Select(e => new TaxonomyEntry(e.Code, e.Label.Trim()))], now);
    }

    /// <summary>Codes fit the complaint columns that hold them.</summary>
    public static int MaxCodeLength(TaxonomyKind kind) => kind switch
    {
        TaxonomyKind.Product => Limits.Product,
        TaxonomyKind.Category => Limits.Category,
        _ => Limits.RootCause,
    };

    [GeneratedRegex(@"^[a-z0-9][a-z0-9_.\-]*\z")]
    private static partial Regex CodePattern();
}

/// <summary>A code chosen from a taxonomy version (version null: the tenant keeps no taxonomy of that kind).</summary>
public sealed record Classified(string Code, int? Version);
