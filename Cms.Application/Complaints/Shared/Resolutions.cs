using Cms.Application.Abstractions;
using Cms.Application.Taxonomies;
using Cms.Domain.Common;
using Cms.Domain.Complaints;
using Cms.Domain.Taxonomies;

namespace Cms.Application.Complaints;

/// <summary>A resolution from its wire form: the root cause checked against the tenant's root-cause taxonomy (when it keeps one).</summary>
public static class Resolutions
{
    /// <param name="rootCauseField">The field a root cause outside the taxonomy is reported on (e.g. <c>rootCause</c>).</param>
    public static async Task<Result<Resolution>> BuildAsync(ITaxonomyRepository taxonomies, Outcome outcome, RedressDto? redress, string? rootCause,
        string rootCauseField, CancellationToken cancellationToken)
    {
        Classified? cause = null;
        if (rootCause is { } code)
        {
            var classified = await Classification.ResolveAsync(taxonomies, TaxonomyKind.RootCause, rootCauseField, code, cancellationToken);
            if (!classified.IsSuccess)
            {
                return classified.Error;
            }

            cause = classified.Value;
        }

        var money = redress?.Monetary is { } m ? new Money(m.AmountMinor, m.Currency) : null;
        return new Resolution(outcome, new Redress(money, redress?.NonMonetary?.Trim()), cause?.Code, cause?.Version);
    }
}
