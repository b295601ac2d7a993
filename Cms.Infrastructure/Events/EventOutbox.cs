using Cms.Application.Abstractions;
using Cms.Application.Audit;
using Cms.Domain.Events;
using Cms.Infrastructure.Audit;
using Cms.Infrastructure.Persistence;

namespace Cms.Infrastructure.Events;

/// <summary>
/// The transactional outbox. PostgreSQL: the event goes into event_outbox in the writer's transaction, with no
/// position; the <see cref="ChangeSealer"/> gives positions in commit order a moment after commit (this instance's
/// sealer is signalled when the transaction commits) and moves it into events, which is all the feed and webhooks read.
/// A transaction that rolls back leaves no row, so no position. SQLite, where every write transaction is IMMEDIATE and
/// so one at a time, takes the position from the tenant's chain head in the writer's transaction.
/// </summary>
internal sealed class EventOutbox(DbSession db, TenantScope scope, ChangeSealerSignal signal) : IEventOutbox
{
    public async Task AppendAsync(ChangeEvent change, CancellationToken cancellationToken)
    {
        var tenantId = TenantGuard.Check(scope, change.TenantId);
        var values = new DynamicParametersBuilder(new
        {
            TenantId = tenantId,
            change.Id,
            change.Type,
            change.EntityType,
            change.EntityId,
            change.EntityVersion,
            ChangedFields = StoredJson.Serialize(change.ChangedFields),
            change.OccurredAt,
        });
        if (db is PostgresSession)
        {
            await db.DeferAsync(
                $"INSERT INTO event_outbox (tenant_id, {Insertable}) VALUES (@TenantId, {InsertValues})", values.Build(), cancellationToken);
            db.AfterCommit(() => signal.Notify(tenantId));
            return;
        }

        var position = await db.QuerySingleOrDefaultAsync<long>(
            """
            INSERT INTO audit_chain_heads (tenant_id, last_seq, last_hash, last_event_position) VALUES (@TenantId, 0, @Genesis, 1)
            ON CONFLICT (tenant_id) DO UPDATE SET last_event_position = audit_chain_heads.last_event_position + 1
            RETURNING last_event_position
            """,
            new { TenantId = tenantId, Genesis = AuditChain.Genesis }, cancellationToken);
        if (position < 1)
        {
            throw new InvalidOperationException("The event position did not advance.");
        }

        await db.ExecuteAsync($"INSERT INTO events (tenant_id, position, {Insertable}) VALUES (@TenantId, @Position, {InsertValues})",
            values.With("Position", position).Build(), cancellationToken);
    }

    private const string Insertable = "id, type, entity_type, entity_id, entity_version, changed_fields, occurred_at";
    private const string InsertValues = "@Id, @Type, @EntityType, @EntityId, @EntityVersion, @ChangedFields, @OccurredAt";
}
