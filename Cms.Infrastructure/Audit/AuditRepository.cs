using Cms.Application.Abstractions;
using Cms.Application.Audit;
using Cms.Domain.Audit;
using Cms.Infrastructure.Persistence;

namespace Cms.Infrastructure.Audit;

/// <summary>
/// Writes an audit entry with its own HMAC (security.md 8: protected from the moment it commits). PostgreSQL leaves it
/// unlinked (<c>seq = 0</c>) for the <see cref="ChangeSealer"/>, so writers of a tenant never wait on one another;
/// SQLite, one writer at a time, links it in the writer's transaction through the tenant's chain head.
/// </summary>
internal sealed class AuditRepository(DbSession db, TenantScope scope, AuditChain chain, AuditValueSealing sealing) : IAuditRepository
{
    public async Task AppendAsync(AuditEntry entry, AuditValues? values, CancellationToken cancellationToken)
    {
        var tenantId = TenantGuard.Check(scope, entry.TenantId);
        if (values is not null)
        {
            entry = entry with { ChangedValues = await sealing.SealAsync(entry.Id, values, cancellationToken) };
        }

        var entryHmac = chain.EntryHmac(entry);
        if (db is PostgresSession)
        {
            await db.DeferAsync(AuditRow.Map.Insert, AuditRow.From(entry, entryHmac, 0, "", ""), cancellationToken);
            return;
        }

        var head = await db.QuerySingleOrDefaultAsync<HeadRow>(
            """
            INSERT INTO audit_chain_heads (tenant_id, last_seq, last_hash) VALUES (@TenantId, 1, @Genesis)
            ON CONFLICT (tenant_id) DO UPDATE SET last_seq = audit_chain_heads.last_seq + 1
            RETURNING last_seq, last_hash
            """,
            new { TenantId = tenantId, Genesis = AuditChain.Genesis }, cancellationToken)
            ?? throw new InvalidOperationException("The audit chain head did not advance.");
        var hash = chain.LinkHash(tenantId, head.LastSeq, head.LastHash, entryHmac);
        await db.ExecuteAsync(AuditRow.Map.Insert, AuditRow.From(entry, entryHmac, head.LastSeq, head.LastHash, hash), cancellationToken);
        await db.ExecuteAsync("UPDATE audit_chain_heads SET last_hash = @Hash WHERE tenant_id = @TenantId",
            new { TenantId = tenantId, Hash = hash }, cancellationToken);
    }

    private sealed class HeadRow
    {
        public long LastSeq { get; init; }
        public string LastHash { get; init; } = "";
    }
}
