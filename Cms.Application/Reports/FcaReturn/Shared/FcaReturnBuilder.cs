using Cms.Domain.LegalEntities;
using Cms.Domain.Reports;
using Cms.Domain.Taxonomies;

namespace Cms.Application.Reports.FcaReturn;

/// <summary>A version of an FCA taxonomy (0: the built-in one).</summary>
public sealed record FcaTaxonomyVersion(int Version, IReadOnlyList<TaxonomyEntry> Entries)
{
    public bool Contains(string? code) => code is not null && Entries.Any(e => e.Code == code);
}

/// <summary>
/// Lays the database's groups out as the return: the sections of the entity's permissions, each with every product of
/// the section and every cause; the vulnerability data points; what is unmapped. Pure, so its arithmetic is tested cell
/// by cell without a database.
/// </summary>
public static class FcaReturnBuilder
{
    public static FcaReturnDto Build(LegalEntity entity, FcaReturnPeriod period, string timeZone, FcaTaxonomyVersion products,
        FcaTaxonomyVersion causes, IReadOnlyList<FcaGroupRow> groups, IReadOnlyDictionary<string, long>? context = null)
    {
        // A code mapped onto an FCA code that the current version no longer holds counts as unmapped.
        var rows = groups.Select(g => g with
        {
            Product = products.Contains(g.Product) ? g.Product : null,
            Cause = causes.Contains(g.Cause) ? g.Cause : null,
        }).ToList();
        var totals = rows.Aggregate(FcaFigures.Zero, (sum, g) => sum.Plus(g.Figures));
        var outstanding = rows.Sum(g => g.OutstandingAtStart);
        var nil = totals.Opened == 0 && totals.Closed == 0 && outstanding == 0;

        var sections = nil ? [] : entity.Permissions.Select(permission =>
        {
            var inSection = rows.Where(g => g.Product is not null && FcaReturnReference.SectionOf(g.Product) == permission).ToList();
            FcaFigures Sum(Func<FcaGroupRow, bool> which) => inSection.Where(which).Aggregate(FcaFigures.Zero, (s, g) => s.Plus(g.Figures));
            return new FcaSection(permission, Sum(_ => true),
                [.. products.Entries.Where(p => FcaReturnReference.SectionOf(p.Code) == permission)
                    .Select(p => new FcaLine(p.Code, p.Label, Sum(g => g.Product == p.Code)))],
                [.. causes.Entries.Select(c => new FcaLine(c.Code, c.Label, Sum(g => g.Cause == c.Code)))],
                [.. FcaReturnReference.Context.Where(m => m.Section == permission)
                    .Select(m => new FcaContextValue(m.Code, m.Label, context?.GetValueOrDefault(ContextKey(m)) is { } v ? v : null))]);
        }).ToList();

        var vulnerability = new FcaVulnerability(rows.Sum(g => g.VulnerableOpened),
            rows.Where(g => g.Cause == FcaReturnReference.VulnerabilityFailureCause).Sum(g => g.Opened));
        var quality = new FcaDataQuality(
            rows.Where(g => g.Product is null).Sum(g => g.Counted),
            rows.Where(g => g.Cause is null).Sum(g => g.Counted),
            rows.Where(g => g.Product is not null && FcaReturnReference.SectionOf(g.Product) is { } s && !entity.Permissions.Contains(s))
                .Sum(g => g.Counted),
            rows.Sum(g => g.RedressInOtherCurrencies));
        return new FcaReturnDto(entity.Id, entity.Name, entity.FirmReferenceNumber, period.Start, period.LastDay, timeZone, products.Version,
            causes.Version, nil, outstanding, totals, sections, vulnerability, quality);
    }

    /// <summary>The key of a contextual figure in a snapshot's input: <c>section.code</c>, e.g. <c>banking.accounts_open_at_period_end</c>.</summary>
    public static string ContextKey(ContextMetric metric) => $"{Cms.Domain.Common.WireNames.ToWire(metric.Section)}.{metric.Code}";
}
