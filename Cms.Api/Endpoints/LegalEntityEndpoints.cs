using System.ComponentModel.DataAnnotations;
using Cms.Api.Http;
using Cms.Application.Common;
using Cms.Application.LegalEntities;
using Cms.Application.LegalEntities.CreateLegalEntity;
using Cms.Application.LegalEntities.ListLegalEntities;
using Cms.Application.LegalEntities.UpdateLegalEntity;
using Cms.Domain.LegalEntities;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Cms.Api.Endpoints;

/// <summary>The authorised firms of a tenant, one FCA return each (docs/regulatory-returns.md).</summary>
public static class LegalEntityEndpoints
{
    public sealed record LegalEntityBody([Required] string? Name, string? FirmReferenceNumber, [Required] IReadOnlyList<FcaPermission>? Permissions);

    public static void MapLegalEntityEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/legal-entities").WithTags("Legal entities");
        group.MapPost("/", Create).WithIdempotency()
            .WithSummary("Add an authorised firm: name, FCA firm reference number (unique in the tenant), permissions held (tenant_admin).")
            .ProducesProblem(StatusCodes.Status409Conflict);
        group.MapGet("/", List).WithSummary("The tenant's legal entities, the default one first, keyset paged (agent+, auditor).");
        group.MapPut("/{id}", Update).AcceptsIfMatch()
            .WithSummary("Replace a legal entity's name, firm reference number and permissions (tenant_admin; If-Match optional).");
    }

    private static async Task<Results<Created<LegalEntityDto>, ProblemHttpResult>> Create(LegalEntityBody body, ISender sender, CancellationToken ct) =>
        Responses.Created(await sender.Send(new CreateLegalEntityCommand(body.Name, body.FirmReferenceNumber, body.Permissions), ct),
            e => $"/v1/legal-entities/{e.Id}");

    private static async Task<Results<Ok<Page<LegalEntityDto>>, ProblemHttpResult>> List(int? limit, string? cursor, ISender sender,
        CancellationToken ct) =>
        Responses.Ok(await sender.Send(new ListLegalEntitiesQuery(limit, cursor), ct));

    private static async Task<Results<Ok<LegalEntityDto>, ProblemHttpResult>> Update(Guid id, LegalEntityBody body, HttpRequest request,
        ISender sender, CancellationToken ct)
    {
        var ifMatch = Responses.OptionalIfMatch(request);
        return ifMatch.IsSuccess
            ? Responses.Ok(await sender.Send(new UpdateLegalEntityCommand(id, body.Name, body.FirmReferenceNumber, body.Permissions)
            { ExpectedVersion = ifMatch.Value }, ct))
            : Problems.From(ifMatch.Error);
    }
}
