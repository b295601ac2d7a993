using System.Globalization;
using Cms.Domain.Common;

namespace Cms.Application.Reports.FcaReturn;

/// <summary>One cell of the return's layout: section, product, cause, metric and its value (text; empty when not supplied).</summary>
public sealed record FcaCell(string Section, string Product, string Cause, string Metric, string Value);

/// <summary>A cell whose value differs between two snapshots (null: the cell did not exist on that side).</summary>
public sealed record FcaDifference(string Section, string Product, string Cause, string Metric, string? Before, string? After);

/// <summary>
/// The return as the list of its cells, in the layout of the CSV (docs/regulatory-returns.md), and the differences
/// between two returns cell by cell: what an amended snapshot lists.
/// </summary>
public static class FcaReturnCells
{
    public static IReadOnlyList<FcaCell> Of(FcaReturnDto r)
    {
        var cells = new List<FcaCell>();
        void Add(string section, string product, string cause, string metric, string value) => cells.Add(new(section, product, cause, metric, value));
        void Figures(string section, string product, string cause, FcaFigures f)
        {
            Add(section, product, cause, "opened", Text(f.Opened));
            Add(section, product, cause, "closed", Text(f.Closed));
            Add(section, product, cause, "upheld", Text(f.Upheld));
            Add(section, product, cause, "closed_within_three_business_days", Text(f.ClosedWithinThreeBusinessDays));
            Add(section, product, cause, "closed_within_eight_weeks", Text(f.ClosedWithinEightWeeks));
            Add(section, product, cause, "closed_after_eight_weeks", Text(f.ClosedAfterEightWeeks));
            Add(section, product, cause, "redress_paid_gbp_minor", Text(f.RedressPaidMinor));
        }

        Add("return", "", "", "firm_reference_number", r.FirmReferenceNumber ?? "");
        Add("return", "", "", "period_start", r.PeriodStart.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        Add("return", "", "", "period_end", r.PeriodEnd.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        Add("return", "", "", "nil_return", r.NilReturn ? "yes" : "no");
        if (r.NilReturn)
        {
            return cells;
        }

        Add("return", "", "", "outstanding_at_start", Text(r.OutstandingAtStart));
        Figures("return", "", "", r.Totals);
        foreach (var s in r.Sections)
        {
            var section = s.Permission.ToWire();
            Figures(section, "", "", s.Totals);
            foreach (var p in s.ByProduct)
            {
                Figures(section, p.Code, "", p.Figures);
            }

            foreach (var c in s.ByCause)
            {
                Figures(section, "", c.Code, c.Figures);
            }

            foreach (var c in s.Context)
            {
                Add(section, "", "", "context." + c.Code, c.Value is { } v ? Text(v) : "");
            }
        }

        Add("vulnerability", "", "", "complaints_from_vulnerable_customers", Text(r.Vulnerability.ComplaintsFromVulnerableCustomers));
        Add("vulnerability", "", "", "failure_to_consider_vulnerability", Text(r.Vulnerability.FailureToConsiderVulnerability));
        return cells;
    }

    /// <summary>The cells whose value changed, appeared or disappeared from <paramref name="before"/> to <paramref name="after"/>, in the
    /// order of the later layout (then the cells that disappeared).</summary>
    public static IReadOnlyList<FcaDifference> Differences(FcaReturnDto before, FcaReturnDto after)
    {
        static (string, string, string, string) Key(FcaCell c) => (c.Section, c.Product, c.Cause, c.Metric);
        var old = Of(before).ToDictionary(Key, c => c.Value);
        var now = Of(after);
        var nowKeys = now.Select(Key).ToHashSet();
        return
        [
            .. now.Where(c => !old.TryGetValue(Key(c), out var v) || v != c.Value)
                .Select(c => new FcaDifference(c.Section, c.Product, c.Cause, c.Metric, old.GetValueOrDefault(Key(c)), c.Value)),
            .. Of(before).Where(c => !nowKeys.Contains(Key(c)))
                .Select(c => new FcaDifference(c.Section, c.Product, c.Cause, c.Metric, c.Value, null)),
        ];
    }

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);
}
