using System.Globalization;
using System.Text;
using Cms.Api.Http;
using Cms.Application.Reports;
using Cms.Application.Reports.GetComplaintsReport;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Cms.Api.Endpoints;

/// <summary>Regulatory returns (docs/regulatory-returns.md).</summary>
public static class ReportEndpoints
{
    public const string CsvMediaType = "text/csv";

    public static void MapReportEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/reports").WithTags("Reports");
        group.MapGet("/complaints", Complaints)
            .WithSummary("The regulator's return for the days from..to (yyyy-MM-dd, inclusive, tenant's regulatory time zone); JSON, or CSV on Accept: text/csv (supervisor+, auditor).")
            .Produces<ComplaintsReportDto>(StatusCodes.Status200OK, "application/json", CsvMediaType)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden);
    }

    private static async Task<Results<Ok<ComplaintsReportDto>, ContentHttpResult, ProblemHttpResult>> Complaints(string? from, string? to,
        HttpRequest request, ISender sender, CancellationToken ct)
    {
        var result = await sender.Send(new GetComplaintsReportQuery(from, to), ct);
        if (!result.IsSuccess)
        {
            return Problems.From(result.Error);
        }

        return WantsCsv(request)
            ? TypedResults.Text(ComplaintsReportCsv.Write(result.Value), CsvMediaType + "; charset=utf-8", Encoding.UTF8)
            : TypedResults.Ok(result.Value);
    }

    /// <summary>CSV when the caller prefers it over JSON (Accept: text/csv, without a higher-quality JSON alternative).</summary>
    internal static bool WantsCsv(HttpRequest request)
    {
        var accept = request.GetTypedHeaders().Accept;
        double Quality(string mediaType) => accept
            .Where(a => a.MediaType.Equals(mediaType, StringComparison.OrdinalIgnoreCase))
            .Select(a => a.Quality ?? 1.0).DefaultIfEmpty(-1).Max();
        var csv = Quality(CsvMediaType);
        return csv > 0 && csv >= Quality("application/json");
    }
}

/// <summary>
/// The return as CSV in long form: one figure per line, <c>section,product,root_cause,metric,currency,value</c>. Sections:
/// totals, by_product, by_root_cause, vulnerability, cfpb, disability. Codes are tenant text: fields are quoted when needed
/// and a leading = + - @ is neutralised (CSV injection into spreadsheets).
/// </summary>
public static class ComplaintsReportCsv
{
    public static string Write(ComplaintsReportDto report)
    {
        var sb = new StringBuilder();
        sb.Append("section,product,root_cause,metric,currency,value\n");
        void Line(string section, string? product, string? rootCause, string metric, long value, string? currency = null) =>
            sb.Append(Field(section)).Append(',').Append(Field(product)).Append(',').Append(Field(rootCause)).Append(',')
                .Append(Field(metric)).Append(',').Append(Field(currency)).Append(',')
                .Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');

        void Figures(string section, string? product, string? rootCause, ReportFigures f)
        {
            Line(section, product, rootCause, "opened", f.Opened);
            Line(section, product, rootCause, "closed", f.Closed);
            Line(section, product, rootCause, "closed_within_three_business_days", f.ClosedWithinThreeBusinessDays);
            Line(section, product, rootCause, "closed_within_eight_weeks", f.ClosedWithinEightWeeks);
            Line(section, product, rootCause, "closed_after_eight_weeks", f.ClosedAfterEightWeeks);
            Line(section, product, rootCause, "upheld", f.Upheld);
            Line(section, product, rootCause, "partly_upheld", f.PartlyUpheld);
            Line(section, product, rootCause, "not_upheld", f.NotUpheld);
            Line(section, product, rootCause, "withdrawn", f.Withdrawn);
            foreach (var money in f.RedressPaid)
            {
                Line(section, product, rootCause, "redress_paid_minor", money.AmountMinor, money.Currency);
            }
        }

        Figures("totals", null, null, report.Totals);
        foreach (var g in report.ByProduct)
        {
            Figures("by_product", g.Code ?? "", null, g.Figures);
        }

        foreach (var g in report.ByRootCause)
        {
            Figures("by_root_cause", null, g.Code ?? "", g.Figures);
        }

        var v = report.Vulnerability;
        Line("vulnerability", null, null, "opened", v.Opened);
        Line("vulnerability", null, null, "closed", v.Closed);
        Line("vulnerability", null, null, "driver_health", v.Health);
        Line("vulnerability", null, null, "driver_life_event", v.LifeEvent);
        Line("vulnerability", null, null, "driver_resilience", v.Resilience);
        Line("vulnerability", null, null, "driver_capability", v.Capability);
        Line("cfpb", null, null, "closed_with_monetary_relief", report.Cfpb.ClosedWithMonetaryRelief);
        Line("cfpb", null, null, "closed_with_non_monetary_relief", report.Cfpb.ClosedWithNonMonetaryRelief);
        Line("cfpb", null, null, "closed_with_explanation", report.Cfpb.ClosedWithExplanation);
        Line("disability", null, null, "opened", report.Disability.Opened);
        Line("disability", null, null, "closed", report.Disability.Closed);
        Line("disability", null, null, "dispositive_response_within_30_days", report.Disability.DispositiveResponseWithin30Days);
        return sb.ToString();
    }

    /// <summary>One CSV field (RFC 4180): quoted when it holds a comma, quote or line break; a formula start is prefixed with '.</summary>
    public static string Field(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "";
        }

        if (value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            value = "'" + value;
        }

        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }
}
