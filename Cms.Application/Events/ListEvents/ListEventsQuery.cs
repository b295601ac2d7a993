using Cms.Application.Common;
using Cms.Domain.Common;
using Mediator;

namespace Cms.Application.Events.ListEvents;

/// <summary>The tenant's change feed after a position, in commit order.</summary>
public sealed record ListEventsQuery(long? After, int? Limit) : IQuery<Result<EventPage>>, IUseCaseMessage
{
    UseCase IUseCaseMessage.UseCase => UseCase.ListEvents;
}

public sealed class ListEventsValidator : IValidator<ListEventsQuery>
{
    public void Validate(ListEventsQuery request, ValidationErrors errors)
    {
        if (request.After is < 0)
        {
            errors.Add("after", "'after' must be a position of the feed (0 or more).");
        }

        if (request.Limit is { } limit && (limit < 1 || limit > Limits.MaxPageSize))
        {
            errors.Add("limit", $"'limit' must be between 1 and {Limits.MaxPageSize}.");
        }
    }
}

internal sealed class ListEventsHandler(IEventQueries events) : IQueryHandler<ListEventsQuery, Result<EventPage>>
{
    public async ValueTask<Result<EventPage>> Handle(ListEventsQuery query, CancellationToken cancellationToken)
    {
        var after = query.After ?? 0;
        var limit = query.Limit ?? Limits.DefaultPageSize;
        var rows = await events.ListAsync(after, limit + 1, cancellationToken);
        var items = rows.Count > limit ? rows.Take(limit).ToList() : rows;
        return new EventPage(items, items.Count > 0 ? items[^1].Position : after, rows.Count > limit);
    }
}
