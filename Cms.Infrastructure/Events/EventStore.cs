using Cms.Application.Abstractions;
using Cms.Application.Audit;
using Cms.Application.Events;
using Cms.Domain.Events;
using Cms.Infrastructure.Persistence;

namespace Cms.Infrastructure.Events;

/// <summary>
/// The transactional outbox. The position comes from the tenant's row in audit_chain_heads: the upsert takes that
/// row's lock (or waits for it) and keeps it until the transaction ends, exactly as the audit chain does, so a tenant's
/// writers hand out positions one after another and commit in that order. A transaction that rolls back rolls its
/// increment back too, so positions have no gaps; and a reader that sees position n committed sees every position
/// below it committed as well (they belonged to transactions that committed before n's writer got the lock).
/// On SQLite every write transaction is IMMEDIATE, which serialises all writers outright.
/// </summary>
internal sealed class EventOutbox(DbSession db, TenantScope scope) : IEventOutbox
{
    public async Task<long> AppendAsync(ChangeEvent change, CancellationToken cancellationToken)
    {
        var tenantId = TenantGuard.Check(scope, change.TenantId);
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

        await db.ExecuteAsync(
            """
            INSERT INTO events (tenant_id, position, id, type, entity_type, entity_id, entity_version, changed_fields, occurred_at)
            VALUES (@TenantId, @Position, @Id, @Type, @EntityType, @EntityId, @EntityVersion, @ChangedFields, @OccurredAt)
            """,
            new
            {
                TenantId = tenantId,
                Position = position,
                change.Id,
                change.Type,
                change.EntityType,
                change.EntityId,
                change.EntityVersion,
                ChangedFields = StoredJson.Serialize(change.ChangedFields),
                change.OccurredAt,
            },
            cancellationToken);
        return position;
    }
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

// Reads the primary (not QuerySession): a lagging replica answers an empty page, which a feed reader takes for the end of the feed.
internal sealed class EventQueries(DbSession db, TenantScope scope) : IEventQueries
{
    public async Task<IReadOnlyList<EventDto>> ListAsync(long after, int take, CancellationToken cancellationToken) =>
        [.. (await db.QueryAsync<EventRow>(
            $"SELECT {EventRow.Columns} FROM events WHERE tenant_id = @TenantId AND position > @After ORDER BY position LIMIT @Take",
            new { TenantId = scope.Required, After = after, Take = take }, cancellationToken)).Select(r => r.ToDto())];
}
