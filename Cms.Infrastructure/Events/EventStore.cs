using Cms.Application.Abstractions;
using Cms.Application.Audit;
using Cms.Application.Events;
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
            await db.ExecuteAsync(
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

internal sealed class EventRow
{
    public long Position { get; init; }
    public Guid Id { get; init; }
    public string Type { get; init; } = "";
    public string EntityType { get; init; } = "";
    public Guid EntityId { get; init; }
    public long EntityVersion { get; init; }
    public string ChangedFields { get; init; } = "[]";
    public DateTimeOffset OccurredAt { get; init; }

    public const string Columns = "position, id, type, entity_type, entity_id, entity_version, changed_fields, occurred_at";

    public EventDto ToDto() => new(Position, Id, Type, EntityType, EntityId, EntityVersion, OccurredAt,
        StoredJson.Deserialize<string[]>(ChangedFields));
}

/// <summary>
/// The feed: positioned events only. With a sealer given (the API's feed), the tenant's changes committed so far are
/// sealed first, so a client reads its own writes; the webhook dispatcher seals before it leases instead.
/// </summary>
// Reads the primary (not QuerySession): it seals the tenant's committed changes first, and a lagging replica would answer an empty page.
internal sealed class EventQueries(DbSession db, TenantScope scope, ChangeSealer? sealer = null) : IEventQueries
{
    public async Task<IReadOnlyList<EventDto>> ListAsync(long after, int take, CancellationToken cancellationToken)
    {
        if (sealer is not null)
        {
            try
            {
                await sealer.SealAsync(scope.Required, waitForTurn: true, cancellationToken);
            }
            catch (Npgsql.PostgresException)
            {
                // What cannot be sealed now (an event whose month has no partition yet) waits in the outbox; the
                // sealer's worker reports and retries it. The feed still serves every event placed so far.
            }
        }

        return [.. (await db.QueryAsync<EventRow>(
            $"SELECT {EventRow.Columns} FROM events WHERE tenant_id = @TenantId AND position > @After ORDER BY position LIMIT @Take",
            new { TenantId = scope.Required, After = after, Take = take }, cancellationToken)).Select(r => r.ToDto())];
    }
}
