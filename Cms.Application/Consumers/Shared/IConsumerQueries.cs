using Cms.Application.Common;
using Cms.Domain.Consumers;

namespace Cms.Application.Consumers;

public interface IConsumerQueries
{
    Task<ConsumerDto?> GetAsync(Guid id, CancellationToken cancellationToken);

    /// <summary>The consumer as a read of it gives, built from the aggregate as the command wrote it, not read back
    /// (docs/adr/0011). Not for an erased consumer.</summary>
    ConsumerDto AsWritten(Consumer consumer);

    /// <summary>Exact-match lookup by external reference, e-mail and/or phone as the caller gave them: the implementation
    /// trims and normalises them the same way as when they were stored (through the blind indexes in the database).</summary>
    Task<Page<ConsumerDto>> FindAsync(string? externalRef, string? email, string? phone, int limit, CursorKey? after,
        CancellationToken cancellationToken);
}
