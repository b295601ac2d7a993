using Cms.Application.Common;

namespace Cms.Application.Audit;

public interface IAuditQueries
{
    /// <summary>Audit entries in time order, optionally of one entity. For a complaint, the entries of the duplicates merged
    /// into it come along: merging keeps both histories.</summary>
    Task<Page<AuditEntryDto>> ListAsync(string? entityType, Guid? entityId, int limit, CursorKey? after, CancellationToken cancellationToken);
}

/// <summary>Reads the tenant's audit chain in chain order, for verification.</summary>
public interface IAuditChainReader
{
    Task<IReadOnlyList<ChainedAuditEntry>> ReadAsync(long afterSequence, int limit, CancellationToken cancellationToken);

    Task<AuditChainHead?> GetHeadAsync(CancellationToken cancellationToken);
}
