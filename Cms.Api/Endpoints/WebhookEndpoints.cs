using System.ComponentModel.DataAnnotations;
using Cms.Api.Http;
using Cms.Application.Common;
using Cms.Application.Webhooks;
using Cms.Application.Webhooks.CreateWebhook;
using Cms.Application.Webhooks.DeleteWebhook;
using Cms.Application.Webhooks.GetWebhook;
using Cms.Application.Webhooks.ListWebhookAttempts;
using Cms.Application.Webhooks.ListWebhooks;
using Cms.Application.Webhooks.ReplayWebhook;
using Cms.Application.Webhooks.UpdateWebhook;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Cms.Api.Endpoints;

public static class WebhookEndpoints
{
    public sealed record CreateWebhookBody([Required] string? Url, [Required] IReadOnlyList<string>? EventTypes, string? Secret, long? After);

    public sealed record UpdateWebhookBody(string? Url, IReadOnlyList<string>? EventTypes, bool? Active, string? Secret);

    public sealed record ReplayBody([Required] long? FromPosition);

    public static void MapWebhookEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/webhooks").WithTags("Webhooks");
        // No Idempotency-Key here: the stored answer would hold the signing secret in the clear.
        group.MapPost("/", Create).WithSummary("Register a webhook endpoint (tenant_admin). The signing secret is in this answer only.");
        group.MapGet("/", List).WithSummary("List webhook endpoints, keyset paged (tenant_admin).");
        group.MapGet("/{id}", Get).WithSummary("A webhook endpoint with its delivery state (tenant_admin).");
        group.MapPatch("/{id}", Update).WithSummary("Change a webhook endpoint's URL, event types, active flag or secret (tenant_admin; If-Match optional).");
        group.MapDelete("/{id}", Delete).WithSummary("Delete a webhook endpoint; deliveries stop (tenant_admin).");
        group.MapPost("/{id}/replay", Replay).WithSummary("Deliver again from a feed position, in order (tenant_admin).");
        group.MapGet("/{id}/attempts", Attempts).WithSummary("Delivery attempts of the endpoint with their outcome, oldest first (tenant_admin).");
    }

    private static async Task<Results<Created<WebhookCreatedDto>, ProblemHttpResult>> Create(CreateWebhookBody body, HttpContext http,
        ISender sender, CancellationToken ct)
    {
        var result = await sender.Send(new CreateWebhookCommand(body.Url, body.EventTypes, body.Secret, body.After), ct);
        if (result.IsSuccess)
        {
            http.Response.Headers.CacheControl = "no-store"; // the secret is in the body
        }

        return Responses.Created(result, w => $"/v1/webhooks/{w.Webhook.Id}");
    }

    private static async Task<Results<Ok<Page<WebhookDto>>, ProblemHttpResult>> List(int? limit, string? cursor, ISender sender,
        CancellationToken ct) =>
        Responses.Ok(await sender.Send(new ListWebhooksQuery(limit, cursor), ct));

    private static async Task<Results<Ok<WebhookDto>, ProblemHttpResult>> Get(Guid id, ISender sender, CancellationToken ct) =>
        Responses.Ok(await sender.Send(new GetWebhookQuery(id), ct));

    private static async Task<Results<Ok<WebhookDto>, ProblemHttpResult>> Update(Guid id, UpdateWebhookBody body, HttpContext http,
        ISender sender, CancellationToken ct)
    {
        var ifMatch = Responses.OptionalIfMatch(http.Request);
        return ifMatch.IsSuccess
            ? Responses.Ok(await sender.Send(new UpdateWebhookCommand(id, body.Url, body.EventTypes, body.Active, body.Secret,
                ifMatch.Value), ct))
            : Problems.From(ifMatch.Error);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(Guid id, ISender sender, CancellationToken ct)
    {
        var result = await sender.Send(new DeleteWebhookCommand(id), ct);
        return result.IsSuccess ? TypedResults.NoContent() : Problems.From(result.Error);
    }

    private static async Task<Results<Ok<WebhookDto>, ProblemHttpResult>> Replay(Guid id, ReplayBody body, ISender sender, CancellationToken ct) =>
        Responses.Ok(await sender.Send(new ReplayWebhookCommand(id, body.FromPosition), ct));

    private static async Task<Results<Ok<Page<WebhookAttemptDto>>, ProblemHttpResult>> Attempts(Guid id, int? limit, string? cursor,
        ISender sender, CancellationToken ct) =>
        Responses.Ok(await sender.Send(new ListWebhookAttemptsQuery(id, limit, cursor), ct));
}
