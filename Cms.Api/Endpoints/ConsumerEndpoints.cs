using Cms.Api.Http;
using Cms.Application.Common;
using Cms.Application.Consumers;
using Cms.Application.Consumers.EraseConsumer;
using Cms.Application.Consumers.FindConsumers;
using Cms.Application.Consumers.GetConsumer;
using Cms.Application.Consumers.RegisterConsumer;
using Cms.Application.Consumers.SetLegalHold;
using Cms.Application.Consumers.UpdateConsumer;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Cms.Api.Endpoints;

public static class ConsumerEndpoints
{
    public sealed record LegalHoldBody(bool? OnHold);

    public sealed record UpdateConsumerBody(string? FullName, string? Email, string? Phone, AddressDto? Address, VulnerabilityDto? Vulnerability);

    public static void MapConsumerEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/consumers").WithTags("Consumers");
        group.MapPost("/", Register).WithIdempotency().WithSummary("Register a consumer (agent+, integration).");
        group.MapGet("/{id}", Get).WithSummary("Read a consumer, with ETag (agent+, integration).");
        group.MapGet("/", Find).WithSummary("Exact-match lookup by externalRef or email (agent+, integration).");
        group.MapPatch("/{id}", Update).WithSummary("Update contact details; If-Match required (agent+).").RequiresIfMatch();
        group.MapPost("/{id}/erasure", Erase).WithSummary("Erase the consumer's personal data; 409 under legal hold or when already erased (tenant_admin).");
        group.MapPut("/{id}/legal-hold", SetLegalHold).WithSummary("Set or lift the legal hold: { onHold } (tenant_admin).");
    }

    private static async Task<Results<Created<ConsumerDto>, ProblemHttpResult>> Register(RegisterConsumerCommand body, HttpContext http,
        ISender sender, CancellationToken ct) =>
        Responses.CreatedVersioned(http, await sender.Send(body, ct), c => $"/v1/consumers/{c.Id}", Responses.VersionOf);

    private static async Task<Results<Ok<ConsumerDto>, ProblemHttpResult>> Get(Guid id, HttpContext http, ISender sender, CancellationToken ct) =>
        Responses.Versioned(http, await sender.Send(new GetConsumerQuery(id), ct), Responses.VersionOf);

    private static async Task<Results<Ok<Page<ConsumerDto>>, ProblemHttpResult>> Find(string? externalRef, string? email, string? phone,
        int? limit, string? cursor, ISender sender, CancellationToken ct) =>
        Responses.Ok(await sender.Send(new FindConsumersQuery(externalRef, email, limit, cursor, phone), ct));

    private static async Task<Results<Ok<ConsumerDto>, ProblemHttpResult>> Erase(Guid id, HttpContext http, ISender sender, CancellationToken ct) =>
        Responses.Versioned(http, await sender.Send(new EraseConsumerCommand(id), ct), Responses.VersionOf);

    private static async Task<Results<Ok<ConsumerDto>, ProblemHttpResult>> SetLegalHold(Guid id, LegalHoldBody body, HttpContext http,
        ISender sender, CancellationToken ct) =>
        Responses.Versioned(http, await sender.Send(new SetLegalHoldCommand(id, body.OnHold), ct), Responses.VersionOf);

    private static async Task<Results<Ok<ConsumerDto>, ProblemHttpResult>> Update(Guid id, UpdateConsumerBody body, HttpContext http,
        ISender sender, CancellationToken ct)
    {
        var ifMatch = Responses.RequiredIfMatch(http.Request);
        if (!ifMatch.IsSuccess)
        {
            return Problems.From(ifMatch.Error);
        }

        var command = new UpdateConsumerCommand(id, ifMatch.Value, body.FullName, body.Email, body.Phone, body.Address, body.Vulnerability);
        return Responses.Versioned(http, await sender.Send(command, ct), Responses.VersionOf);
    }
}
