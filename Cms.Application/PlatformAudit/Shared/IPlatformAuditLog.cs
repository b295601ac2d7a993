namespace Cms.Application.PlatformAudit;

/// <summary>What a platform action records: the chain position, id and hash are the log's.</summary>
public sealed record PlatformAuditRecord(string Actor, string Action, Guid TenantId, string Details, string? TraceId);

/// <summary>The platform audit chain's store, written in the caller's transaction.</summary>
public interface IPlatformAuditLog
{
    /// <summary>Appends <paramref name="record"/> at the end of the chain (one writer at a time) and returns the entry.</summary>
    Task<PlatformAuditEntry> AppendAsync(PlatformAuditRecord record, CancellationToken cancellationToken);

    /// <summary>The latest entry of <paramref name="action"/> about <paramref name="tenantId"/>, if any.</summary>
    Task<PlatformAuditEntry?> LatestAsync(Guid tenantId, string action, CancellationToken cancellationToken);

    /// <summary>As <see cref="LatestAsync"/>, the read queued to travel with the transaction's next load; the function,
    /// called after that load, gives the entry.</summary>
    Func<CancellationToken, Task<PlatformAuditEntry?>> LatestAlong(Guid tenantId, string action) =>
        cancellationToken => LatestAsync(tenantId, action, cancellationToken);

    /// <summary>Up to <paramref name="limit"/> entries after position <paramref name="afterSequence"/>, in chain order.</summary>
    Task<IReadOnlyList<PlatformAuditEntry>> ReadAsync(long afterSequence, int limit, CancellationToken cancellationToken);
}
