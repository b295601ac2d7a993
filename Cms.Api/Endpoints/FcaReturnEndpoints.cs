using System.ComponentModel.DataAnnotations;
using System.Text;
using Cms.Api.Http;
using Cms.Application.Reports.FcaReturn;
using Cms.Application.Reports.FcaReturn.GetFcaReturn;
using Cms.Application.Reports.FcaReturn.ListFcaReturnSnapshots;
using Cms.Application.Reports.FcaReturn.ListUnmappedComplaints;
using Cms.Application.Reports.FcaReturn.TakeFcaReturnSnapshot;
using Cms.Application.Reports.ReturnMappings;
using Cms.Application.Reports.ReturnMappings.GetReturnMapping;
using Cms.Application.Reports.ReturnMappings.ReplaceReturnMapping;
using Cms.Domain.Common;
using Cms.Domain.Taxonomies;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Cms.Api.Endpoints;

/// <summary>The FCA consolidated complaints return (PS25/19) and the mappings it is computed through (docs/regulatory-returns.md).</summary>
public static class FcaReturnEndpoints
{
    public sealed record SnapshotBody(Guid LegalEntityId, string? PeriodStart, IReadOnlyDictionary<string, long>? Context);

    public sealed record MappingBody([Required] IReadOnlyList<ReturnMappingEntry>? Entries);

    public static void MapFcaReturnEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/reports/fca-complaints-return").WithTags("Reports");
        group.MapGet("/", Return)
            .WithSummary("The FCA consolidated return of a legal entity for the six months from periodStart (yyyy-01-01 or yyyy-07-01); JSON, or the return's layout as CSV on Accept: text/csv (supervisor+, auditor).")
            .Produces<FcaReturnDto>(StatusCodes.Status200OK, "application/json", ReportEndpoints.CsvMediaType)
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/unmapped", Unmapped)
            .WithSummary("The complaints of the period that map to no FCA product or cause (supervisor+, auditor).")
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPost("/snapshots", TakeSnapshot).WithIdempotency()
            .WithSummary("Freeze an ended period's figures {legalEntityId, periodStart, context?}; a later one is an amendment listing the differences (supervisor+).")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        group.MapGet("/snapshots", Snapshots)
            .WithSummary("The snapshots of a legal entity's period, the original first (supervisor+, auditor).")
            .ProducesProblem(StatusCodes.Status404NotFound);

        var mappings = app.MapGroup("/v1/return-mappings").WithTags("Reports");
        mappings.MapPut("/{kind}", ReplaceMapping)
            .WithSummary("Replace the mapping of the tenant's products (fca_product) or categories (fca_cause, dot_category) onto the regulator's codes (tenant_admin).");
        mappings.MapGet("/{kind}", Mapping).WithSummary("The tenant's mapping onto a regulator's taxonomy (agent+, auditor).");
    }

    private static async Task<Results<Ok<FcaReturnDto>, ContentHttpResult, ProblemHttpResult>> Return(Guid? legalEntityId, string? periodStart,
        HttpRequest request, ISender sender, CancellationToken ct)
    {
        var result = await sender.Send(new GetFcaReturnQuery(legalEntityId ?? Guid.Empty, periodStart), ct);
        if (!result.IsSuccess)
        {
            return Problems.From(result.Error);
        }

        return ReportEndpoints.WantsCsv(request)
            ? TypedResults.Text(FcaReturnCsv.Write(result.Value), ReportEndpoints.CsvMediaType + "; charset=utf-8", Encoding.UTF8)
            : TypedResults.Ok(result.Value);
    }

    private static async Task<Results<Ok<IReadOnlyList<UnmappedComplaintDto>>, ProblemHttpResult>> Unmapped(Guid? legalEntityId, string? periodStart,
        ISender sender, CancellationToken ct) =>
        Responses.Ok(await sender.Send(new ListUnmappedComplaintsQuery(legalEntityId ?? Guid.Empty, periodStart), ct));

    private static async Task<Results<Created<FcaReturnSnapshotDto>, ProblemHttpResult>> TakeSnapshot(SnapshotBody body, ISender sender,
        CancellationToken ct) =>
        Responses.Created(await sender.Send(new TakeFcaReturnSnapshotCommand(body.LegalEntityId, body.PeriodStart, body.Context), ct),
            s => $"/v1/reports/fca-complaints-return/snapshots?legalEntityId={s.LegalEntityId}&periodStart={s.PeriodStart:yyyy-MM-dd}");

    private static async Task<Results<Ok<IReadOnlyList<FcaReturnSnapshotDto>>, ProblemHttpResult>> Snapshots(Guid? legalEntityId,
        string? periodStart, ISender sender, CancellationToken ct) =>
        Responses.Ok(await sender.Send(new ListFcaReturnSnapshotsQuery(legalEntityId ?? Guid.Empty, periodStart), ct));

    private static async Task<Results<Ok<ReturnMappingDto>, ProblemHttpResult>> ReplaceMapping(string kind, MappingBody body, ISender sender,
        CancellationToken ct) =>
        WireNames.TryParse<TaxonomyKind>(kind, out var k)
            ? Responses.Ok(await sender.Send(new ReplaceReturnMappingCommand(k, body.Entries), ct))
            : Problems.From(KindError());

    private static async Task<Results<Ok<ReturnMappingDto>, ProblemHttpResult>> Mapping(string kind, ISender sender, CancellationToken ct) =>
        WireNames.TryParse<TaxonomyKind>(kind, out var k)
            ? Responses.Ok(await sender.Send(new GetReturnMappingQuery(k), ct))
            : Problems.From(KindError());

    private static Error KindError() => Error.Validation("kind", "'kind' must be fca_product, fca_cause or dot_category.");

}

/// <summary>
/// The return in its own layout, one cell a line: <c>section,product,cause,metric,value</c> (docs/regulatory-returns.md).
/// Fields are quoted and neutralised like every CSV the service writes.
/// </summary>
public static class FcaReturnCsv
{
    public static string Write(FcaReturnDto report)
    {
        var sb = new StringBuilder("section,product,cause,metric,value\n");
        foreach (var c in FcaReturnCells.Of(report))
        {
            sb.Append(ComplaintsReportCsv.Field(c.Section)).Append(',').Append(ComplaintsReportCsv.Field(c.Product)).Append(',')
                .Append(ComplaintsReportCsv.Field(c.Cause)).Append(',').Append(ComplaintsReportCsv.Field(c.Metric)).Append(',')
                .Append(ComplaintsReportCsv.Field(c.Value)).Append('\n');
        }

        return sb.ToString();
    }
}
