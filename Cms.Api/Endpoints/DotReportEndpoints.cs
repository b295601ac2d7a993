using Cms.Api.Http;
using Cms.Application.Reports.DotDisability;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Cms.Api.Endpoints;

/// <summary>The US DOT's annual report of disability-related complaints (docs/regulatory-returns.md).</summary>
public static class DotReportEndpoints
{
    public static void MapDotReportEndpoints(this IEndpointRouteBuilder app) =>
        app.MapGroup("/v1/reports").WithTags("Reports").MapGet("/dot-disability", Report)
            .WithSummary("An airline's disability-related complaints of a calendar year by DOT category (14 CFR 382.157) (supervisor+, auditor).")
            .ProducesProblem(StatusCodes.Status409Conflict);

    private static async Task<Results<Ok<DotDisabilityReportDto>, ProblemHttpResult>> Report(int? year, ISender sender, CancellationToken ct) =>
        Responses.Ok(await sender.Send(new GetDotDisabilityReportQuery(year), ct));
}
