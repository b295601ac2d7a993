using Cms.Api.Http;
using Cms.Application.Common;
using Cms.Application.Queues;
using Cms.Application.Queues.CreateQueue;
using Cms.Application.Queues.GetQueue;
using Cms.Application.Queues.ListQueues;
using Cms.Application.Queues.RetireQueue;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Cms.Api.Endpoints;

/// <summary>The tenant's work queues (docs/regulatory-clocks.md "Due lists per queue").</summary>
public static class QueueEndpoints
{
    public static void MapQueueEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/queues").WithTags("Queues");
        group.MapPost("/", Create).WithIdempotency().WithSummary("Create a queue with a code unique in the tenant, e.g. cards (tenant_admin).");
        group.MapGet("/{id}", Get).WithSummary("One queue, retired or not, with its ETag (agent+, auditor).");
        group.MapGet("/", List).WithSummary("The tenant's queues, oldest first, retired ones marked, keyset paged (agent+, auditor).");
        group.MapPost("/{id}/retire", Retire)
            .WithSummary("Retire a queue: it keeps its complaints but takes no new complaints or members (tenant_admin; If-Match optional).")
            .AcceptsIfMatch();
    }

    private static async Task<Results<Created<QueueDto>, ProblemHttpResult>> Create(CreateQueueCommand body, ISender sender, CancellationToken ct) =>
        Responses.Created(await sender.Send(body, ct), q => $"/v1/queues/{q.Id}");

    private static async Task<Results<Ok<QueueDto>, ProblemHttpResult>> Get(Guid id, ISender sender, CancellationToken ct) =>
        Responses.Ok(await sender.Send(new GetQueueQuery(id), ct));

    private static async Task<Results<Ok<Page<QueueDto>>, ProblemHttpResult>> List(int? limit, string? cursor, ISender sender,
        CancellationToken ct) =>
        Responses.Ok(await sender.Send(new ListQueuesQuery(limit, cursor), ct));

    private static async Task<Results<Ok<QueueDto>, ProblemHttpResult>> Retire(Guid id, HttpRequest request, ISender sender,
        CancellationToken ct)
    {
        var ifMatch = Responses.OptionalIfMatch(request);
        return ifMatch.IsSuccess
            ? Responses.Ok(await sender.Send(new RetireQueueCommand(id, ifMatch.Value), ct))
            : Problems.From(ifMatch.Error);
    }
}
