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
    /// <summary>Linked entries with a sequence above <paramref name="afterSequence"/>, in chain order.</summary>
    Task<IReadOnlyList<ChainedAuditEntry>> ReadAsync(long afterSequence, int limit, CancellationToken cancellationToken);

    /// <summary>Entries written with their own HMAC and not linked yet, in write order, after write <paramref name="afterWrite"/>.</summary>
    Task<IReadOnlyList<UnlinkedAuditEntry>> ReadUnlinkedAsync(long afterWrite, int limit, CancellationToken cancellationToken);

    Task<AuditChainHead?> GetHeadAsync(CancellationToken cancellationToken);
}

/// <summary>An audit entry committed but not linked into its chain yet, with the HMAC it was written with.</summary>
public sealed record UnlinkedAuditEntry(Cms.Domain.Audit.AuditEntry Entry, string EntryHmac, long WriteId);
