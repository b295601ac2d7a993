namespace Cms.Application.Events;

/// <summary>Reads the tenant's change feed.</summary>
public interface IEventQueries
{
    /// <summary>Up to <paramref name="take"/> events with a position above <paramref name="after"/>, in position order.</summary>
    Task<IReadOnlyList<EventDto>> ListAsync(long after, int take, CancellationToken cancellationToken);
}
