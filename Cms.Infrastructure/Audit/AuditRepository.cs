using System.Security.Cryptography;
using Cms.Application.Abstractions;
using Cms.Application.Audit;
using Cms.Application.Calendar;
using Cms.Domain.Audit;
using Cms.Domain.Common;
using Cms.Domain.Complaints;
using Cms.Domain.Consumers;
using Cms.Domain.Queues;
using Cms.Domain.Regulation;
using Cms.Domain.Staff;
using Cms.Domain.Taxonomies;
using Cms.Domain.Tenants;
using Cms.Infrastructure.Crypto;
using Cms.Infrastructure.Persistence;

namespace Cms.Infrastructure.Audit;

/// <summary>
/// Appends to the tenant's hash chain: advancing the chain head takes its row lock, so concurrent writers of one tenant
/// queue there until commit and the chain stays linear (different tenants never wait for each other).
/// </summary>
internal sealed class AuditRepository(DbSession db, TenantScope scope, AuditChain chain) : IAuditRepository
{
    public async Task AppendAsync(AuditEntry entry, CancellationToken cancellationToken)
    {
        var tenantId = TenantGuard.Check(scope, entry.TenantId);
        var head = await db.QuerySingleOrDefaultAsync<HeadRow>(
            """
            INSERT INTO audit_chain_heads (tenant_id, last_seq, last_hash) VALUES (@TenantId, 1, @Genesis)
            ON CONFLICT (tenant_id) DO UPDATE SET last_seq = audit_chain_heads.last_seq + 1
            RETURNING last_seq, last_hash
            """,
            new { TenantId = tenantId, Genesis = AuditChain.Genesis }, cancellationToken)
            ?? throw new InvalidOperationException("The audit chain head did not advance.");
        var hash = chain.Hash(entry, head.LastSeq, head.LastHash);
        await db.ExecuteAsync(
            $"""
            INSERT INTO audit_entries (tenant_id, {AuditRow.Columns}, seq, prev_hash, hash)
            VALUES (@TenantId, @Id, @OccurredAt, @ActorType, @ActorId, @Action, @EntityType, @EntityId, @ChangedFields, @TraceId,
                    @Seq, @PrevHash, @Hash)
            """,
            new DynamicParametersBuilder(AuditRow.Parameters(entry))
                .With("Seq", head.LastSeq).With("PrevHash", head.LastHash).With("Hash", hash).Build(),
            cancellationToken);
        await db.ExecuteAsync("UPDATE audit_chain_heads SET last_hash = @Hash WHERE tenant_id = @TenantId",
            new { TenantId = tenantId, Hash = hash }, cancellationToken);
    }

    private sealed class HeadRow
    {
        public long LastSeq { get; init; }
        public string LastHash { get; init; } = "";
    }
}
