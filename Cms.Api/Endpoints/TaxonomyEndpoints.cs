using System.ComponentModel.DataAnnotations;
using Cms.Api.Http;
using Cms.Application.Taxonomies;
using Cms.Application.Taxonomies.GetTaxonomy;
using Cms.Application.Taxonomies.PublishTaxonomy;
using Cms.Domain.Common;
using Cms.Domain.Taxonomies;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Cms.Api.Endpoints;

/// <summary>Per-tenant versioned taxonomies of products, categories and root causes (kind: product | category | root_cause).</summary>
public static class TaxonomyEndpoints
{
    public sealed record PublishBody([Required] IReadOnlyList<TaxonomyEntryDto>? Entries);

    public static void MapTaxonomyEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/taxonomies").WithTags("Taxonomies");
        group.MapPost("/{kind}/versions", Publish).WithIdempotency()
            .WithSummary("Publish the next version of a taxonomy: the whole list of codes and labels (tenant_admin).")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status409Conflict);
        group.MapGet("/{kind}", Current).WithSummary("The current version of a taxonomy (agent+, auditor, integration).")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/{kind}/versions/{version:int}", Version).WithSummary("One version of a taxonomy (agent+, auditor, integration).")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound);
    }

    private static async Task<Results<Created<TaxonomyDto>, ProblemHttpResult>> Publish(string kind, PublishBody body, ISender sender,
        CancellationToken ct) =>
        ParseKind(kind) is { IsSuccess: true } k
            ? Responses.Created(await sender.Send(new PublishTaxonomyCommand(k.Value, body.Entries), ct),
                t => $"/v1/taxonomies/{t.Kind.ToWire()}/versions/{t.Version}")
            : Problems.From(ParseKind(kind).Error!);

    private static async Task<Results<Ok<TaxonomyDto>, ProblemHttpResult>> Current(string kind, ISender sender, CancellationToken ct) =>
        ParseKind(kind) is { IsSuccess: true } k
            ? Responses.Ok(await sender.Send(new GetTaxonomyQuery(k.Value, null), ct))
            : Problems.From(ParseKind(kind).Error!);

    private static async Task<Results<Ok<TaxonomyDto>, ProblemHttpResult>> Version(string kind, int version, ISender sender,
        CancellationToken ct) =>
        ParseKind(kind) is { IsSuccess: true } k
            ? Responses.Ok(await sender.Send(new GetTaxonomyQuery(k.Value, version), ct))
            : Problems.From(ParseKind(kind).Error!);

    private static Result<TaxonomyKind> ParseKind(string kind) =>
        WireNames.TryParse<TaxonomyKind>(kind, out var parsed)
            ? parsed
            : Error.Validation("kind", $"'kind' must be one of: {string.Join(", ", WireNames.All<TaxonomyKind>())}.");
}
