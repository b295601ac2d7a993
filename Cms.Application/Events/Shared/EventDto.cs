namespace Cms.Application.Events;

/// <summary>An event of the change feed as the API and webhooks send it (docs/events.md). Ids and names only.</summary>
/// <param name="Position">The event's place in the tenant's feed: 1, 2, 3 ... with no gaps, in commit order.</param>
public sealed record EventDto(
    long Position,
    Guid Id,
    string Type,
    string EntityType,
    Guid EntityId,
    long EntityVersion,
    DateTimeOffset OccurredAt,
    IReadOnlyList<string> ChangedFields);

/// <summary>A page of the feed. Pass <see cref="Next"/> as <c>after</c> to read on; it stays put when nothing is new.</summary>
/// <param name="HasMore">True when more events were already committed beyond this page.</param>
public sealed record EventPage(IReadOnlyList<EventDto> Items, long Next, bool HasMore);
