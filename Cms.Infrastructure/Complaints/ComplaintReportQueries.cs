using Cms.Application.Abstractions;
using Cms.Application.Complaints;
using Cms.Application.Reports;
using Cms.Domain.Common;
using Cms.Domain.Complaints;
using Cms.Domain.Consumers;
using Cms.Domain.Regulation;
using Cms.Infrastructure.Persistence;
using Dapper;

namespace Cms.Infrastructure.Complaints;

/// <summary>
/// The regulatory return as aggregates (COUNT ... FILTER, SUM ... GROUP BY) over the complaints of the tenant in scope:
/// no complaint row is loaded into the service. The same SQL runs on PostgreSQL and SQLite; the business-day measure was
/// computed by the domain when each complaint closed (closure_band), so it is a plain comparison here. Merged duplicates
/// are not complaints of their own (the survivor counts, with the earliest received date). docs/regulatory-returns.md
/// defines every figure.
/// </summary>
// Reads the primary (not QuerySession): a regulatory return must count every complaint closed up to the call; a lagging replica under-reports.
internal sealed class ComplaintReportQueries(DbSession db, TenantScope scope) : IComplaintReportQueries
{
    private static string Received(string a) => $"{a}received_at >= @Start AND {a}received_at < @End AND {a}status <> @Merged";

    private static string Closed(string a) => $"{a}status = @Closed AND {a}closed_at >= @Start AND {a}closed_at < @End";

    /// <summary>Complaints that can count at all: received or closed in the period (each side uses its index).</summary>
    private static string Relevant(string a) =>
        $"{a}tenant_id = @TenantId AND (({a}received_at >= @Start AND {a}received_at < @End) OR ({a}closed_at >= @Start AND {a}closed_at < @End))";

    private static string FigureColumns(string a) => $"""
        COUNT(*) FILTER (WHERE {Received(a)}) AS opened,
        COUNT(*) FILTER (WHERE {Closed(a)}) AS closed,
        COUNT(*) FILTER (WHERE {Closed(a)} AND {a}closure_band = @WithinThree) AS closed_within_three_business_days,
        COUNT(*) FILTER (WHERE {Closed(a)} AND {a}closure_band = @WithinEight) AS closed_within_eight_weeks,
        COUNT(*) FILTER (WHERE {Closed(a)} AND {a}closure_band = @AfterEight) AS closed_after_eight_weeks,
        COUNT(*) FILTER (WHERE {Closed(a)} AND ({a}outcome = @Upheld OR {a}outcome = @PartlyUpheld)) AS upheld,
        COUNT(*) FILTER (WHERE {Closed(a)} AND {a}outcome = @PartlyUpheld) AS partly_upheld,
        COUNT(*) FILTER (WHERE {Closed(a)} AND {a}outcome = @NotUpheld) AS not_upheld,
        COUNT(*) FILTER (WHERE {Closed(a)} AND {a}outcome = @Withdrawn) AS withdrawn
        """;

    public async Task<ReportFigures> TotalsAsync(DateTimeOffset start, DateTimeOffset end, CancellationToken cancellationToken) =>
        (await FiguresAsync(null, start, end, cancellationToken)).Single().Figures;

    public Task<IReadOnlyList<GroupFigures>> ByProductAsync(DateTimeOffset start, DateTimeOffset end, CancellationToken cancellationToken) =>
        FiguresAsync("product", start, end, cancellationToken);

    public Task<IReadOnlyList<GroupFigures>> ByRootCauseAsync(DateTimeOffset start, DateTimeOffset end, CancellationToken cancellationToken) =>
        FiguresAsync("root_cause", start, end, cancellationToken);

    /// <summary>The figures, overall (<paramref name="groupColumn"/> null) or per value of a column named by this class.</summary>
    private async Task<IReadOnlyList<GroupFigures>> FiguresAsync(string? groupColumn, DateTimeOffset start, DateTimeOffset end,
        CancellationToken cancellationToken)
    {
        var p = Parameters(start, end);
        var code = groupColumn ?? "NULL";
        var groupBy = groupColumn is null ? "" : $"GROUP BY {groupColumn}";
        var rows = await db.QueryAsync<FigureRow>(
            $"SELECT {code} AS code, {FigureColumns("")} FROM complaints WHERE {Relevant("")} {groupBy}", p, cancellationToken);
        var redress = await db.QueryAsync<RedressRow>(
            $"""
            SELECT {code} AS code, redress_currency AS currency, CAST(SUM(redress_amount_minor) AS BIGINT) AS amount_minor
            FROM complaints
            WHERE tenant_id = @TenantId AND {Closed("")} AND redress_amount_minor > 0
            GROUP BY {(groupColumn is null ? "" : groupColumn + ", ")}redress_currency
            """, p, cancellationToken);
        var redressByCode = redress.GroupBy(r => r.Code ?? "").ToDictionary(g => g.Key,
            g => (IReadOnlyList<MoneyDto>)[.. g.OrderBy(r => r.Currency, StringComparer.Ordinal).Select(r => new MoneyDto(r.AmountMinor, r.Currency))],
            StringComparer.Ordinal);
        return [.. rows
            .Where(r => groupColumn is null || r.Opened + r.Closed > 0)
            .OrderBy(r => r.Code is not null).ThenBy(r => r.Code, StringComparer.Ordinal)
            .Select(r => new GroupFigures(r.Code, new ReportFigures(r.Opened, r.Closed, r.ClosedWithinThreeBusinessDays, r.ClosedWithinEightWeeks,
                r.ClosedAfterEightWeeks, r.Upheld, r.PartlyUpheld, r.NotUpheld, r.Withdrawn,
                redressByCode.GetValueOrDefault(r.Code ?? "") ?? [])))];
    }

    /// <summary>The drivers of sealed rows are counted from the tallies (docs/adr/0013-free-text-sealing.md); rows not yet
    /// converted still carry them in the plain columns, which sealed rows leave false, so both add up during a conversion.</summary>
    public async Task<VulnerabilityFigures> VulnerabilityAsync(DateTimeOffset start, DateTimeOffset end, CancellationToken cancellationToken)
    {
        var p = Parameters(start, end);
        string Tallied(VulnerabilityDriver driver, string column)
        {
            p.Add(column, driver.ToWire());
            return $"""
                COUNT(*) FILTER (WHERE {column} AND {Received("")}) + (SELECT CAST(COALESCE(SUM(t.complaints), 0) AS BIGINT)
                    FROM complaint_vulnerability_tallies t
                    WHERE t.tenant_id = @TenantId AND t.driver = @{column} AND t.received_hour >= @Start AND t.received_hour < @End)
                """;
        }

        return await db.QuerySingleOrDefaultAsync<VulnerabilityFigures>(
            $"""
            SELECT COUNT(*) FILTER (WHERE vulnerability_involved AND {Received("")}) AS opened,
                   COUNT(*) FILTER (WHERE vulnerability_involved AND {Closed("")}) AS closed,
                   {Tallied(VulnerabilityDriver.Health, "vulnerability_health")} AS health,
                   {Tallied(VulnerabilityDriver.LifeEvent, "vulnerability_life_event")} AS life_event,
                   {Tallied(VulnerabilityDriver.Resilience, "vulnerability_resilience")} AS resilience,
                   {Tallied(VulnerabilityDriver.Capability, "vulnerability_capability")} AS capability
            FROM complaints WHERE {Relevant("")}
            """, p, cancellationToken)
            ?? throw new InvalidOperationException("An aggregate without GROUP BY returns one row.");
    }

    public async Task<ReliefFigures> ReliefAsync(DateTimeOffset start, DateTimeOffset end, CancellationToken cancellationToken) =>
        await db.QuerySingleOrDefaultAsync<ReliefFigures>(
            $"""
            SELECT COUNT(*) FILTER (WHERE {Closed("")} AND redress_amount_minor > 0) AS closed_with_monetary_relief,
                   COUNT(*) FILTER (WHERE {Closed("")} AND COALESCE(redress_amount_minor, 0) = 0 AND redress_non_monetary IS NOT NULL)
                       AS closed_with_non_monetary_relief,
                   COUNT(*) FILTER (WHERE {Closed("")} AND COALESCE(redress_amount_minor, 0) = 0 AND redress_non_monetary IS NULL)
                       AS closed_with_explanation
            FROM complaints WHERE {Relevant("")}
            """, Parameters(start, end), cancellationToken)
        ?? throw new InvalidOperationException("An aggregate without GROUP BY returns one row.");

    public async Task<DisabilityFigures> DisabilityAsync(DateTimeOffset start, DateTimeOffset end, CancellationToken cancellationToken)
    {
        var p = Parameters(start, end);
        p.Add("DispositiveKind", DeadlineKind.DisabilityDispositiveResponse.ToWire());
        return await db.QuerySingleOrDefaultAsync<DisabilityFigures>(
            $"""
            SELECT COUNT(*) FILTER (WHERE {Received("c.")}) AS opened,
                   COUNT(*) FILTER (WHERE {Closed("c.")}) AS closed,
                   COUNT(*) FILTER (WHERE {Closed("c.")} AND d.met_at IS NOT NULL AND d.met_at <= d.due_at) AS dispositive_response_within30_days
            FROM complaints c
            LEFT JOIN complaint_deadlines d ON d.tenant_id = c.tenant_id AND d.complaint_id = c.id AND d.kind = @DispositiveKind
            WHERE {Relevant("c.")} AND c.disability
            """, p, cancellationToken)
            ?? throw new InvalidOperationException("An aggregate without GROUP BY returns one row.");
    }

    private DynamicParameters Parameters(DateTimeOffset start, DateTimeOffset end)
    {
        var p = new DynamicParameters();
        p.Add("TenantId", scope.Required);
        p.Add("Start", start);
        p.Add("End", end);
        p.Add("Closed", ComplaintStatus.Closed.ToWire());
        p.Add("Merged", ComplaintStatus.Merged.ToWire());
        p.Add("WithinThree", ClosureBand.WithinThreeBusinessDays.ToWire());
        p.Add("WithinEight", ClosureBand.WithinEightWeeks.ToWire());
        p.Add("AfterEight", ClosureBand.AfterEightWeeks.ToWire());
        p.Add("Upheld", Outcome.Upheld.ToWire());
        p.Add("PartlyUpheld", Outcome.PartlyUpheld.ToWire());
        p.Add("NotUpheld", Outcome.NotUpheld.ToWire());
        p.Add("Withdrawn", Outcome.Withdrawn.ToWire());
        return p;
    }

    private sealed class FigureRow
    {
        public string? Code { get; init; }
        public long Opened { get; init; }
        public long Closed { get; init; }
        public long ClosedWithinThreeBusinessDays { get; init; }
        public long ClosedWithinEightWeeks { get; init; }
        public long ClosedAfterEightWeeks { get; init; }
        public long Upheld { get; init; }
        public long PartlyUpheld { get; init; }
        public long NotUpheld { get; init; }
        public long Withdrawn { get; init; }
    }

    private sealed class RedressRow
    {
        public string? Code { get; init; }
        public string Currency { get; init; } = "";
        public long AmountMinor { get; init; }
    }
}
