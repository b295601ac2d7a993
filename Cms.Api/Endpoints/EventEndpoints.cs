using Cms.Api.Http;
using Cms.Application.Events;
using Cms.Application.Events.ListEvents;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Cms.Api.Endpoints;

public static class EventEndpoints
{
    public static void MapEventEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/events").WithTags("Events");
        group.MapGet("/", List).WithSummary(
            "The tenant's change feed in commit order after a position (integration). Pass the answer's 'next' as 'after' to read on; " +
            "positions are gap-free, so no event is skipped or repeated (docs/events.md).");
    }

    private static async Task<Results<Ok<EventPage>, ProblemHttpResult>> List(long? after, int? limit, ISender sender, CancellationToken ct) =>
        Responses.Ok(await sender.Send(new ListEventsQuery(after, limit), ct));
}
