using Cms.Application.Common;

namespace Cms.Application.Queues;

public interface IQueueQueries
{
    Task<QueueDto?> GetAsync(Guid id, CancellationToken cancellationToken);

    Task<Page<QueueDto>> ListAsync(int limit, CursorKey? after, CancellationToken cancellationToken);

    /// <summary>The id of the tenant's queue with this code (retired ones too, for the list filters); null when none.</summary>
    Task<Guid?> FindIdByCodeAsync(string code, CancellationToken cancellationToken);
}
