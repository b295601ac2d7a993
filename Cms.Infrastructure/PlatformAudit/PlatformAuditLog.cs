using Cms.Application.Audit;
using Cms.Application.PlatformAudit;
using Cms.Domain.Common;
using Cms.Infrastructure.Persistence;

namespace Cms.Infrastructure.PlatformAudit;

internal sealed class PlatformAuditRow
{
    public long Seq { get; init; }
    public Guid Id { get; init; }
    public DateTimeOffset OccurredAt { get; init; }
    public string Actor { get; init; } = "";
    public string Action { get; init; } = "";
    public string EntityType { get; init; } = "";
    public Guid EntityId { get; init; }
    public string Details { get; init; } = "";
    public string? TraceId { get; init; }
    public string PrevHash { get; init; } = "";
    public string Hash { get; init; } = "";

    public const string Columns = "seq, id, occurred_at, actor, action, entity_type, entity_id, details, trace_id, prev_hash, hash";

    public PlatformAuditEntry ToEntry() => new(Seq, Id, OccurredAt, Actor, Action, EntityType, EntityId, Details, TraceId, PrevHash, Hash);
}

/// <summary>
/// The platform audit chain in <c>platform_audit_entries</c>, written in the caller's transaction. Entries are chained as
/// they are written: on PostgreSQL a transaction advisory lock makes writers take turns (platform actions are rare, so
/// the turn costs nothing that matters; tenants' own writes never take it); SQLite has one writer at a time anyway.
/// </summary>
internal sealed class PlatformAuditLog(DbSession db, PlatformAuditChain chain, TimeProvider clock) : IPlatformAuditLog
{
    public const string EntityTenant = "tenant";

    /// <summary>The advisory lock key of the chain's writers (an arbitrary constant of this table's own).</summary>
    private const long WriterLock = 0x706c_6174_6175_6469; // "plataudi"

    public async Task<PlatformAuditEntry> AppendAsync(PlatformAuditRecord record, CancellationToken cancellationToken)
    {
        var lastSql = $"SELECT {PlatformAuditRow.Columns} FROM platform_audit_entries ORDER BY seq DESC LIMIT 1";
        // The lock, then the chain's head, in one round trip: the head is read by a statement that starts once the lock is
        // held (READ COMMITTED takes each statement's snapshot as it starts), so it is the head no other writer can move.
        var last = db is PostgresSession
            ? await db.QueryMultipleAsync($"SELECT pg_advisory_xact_lock(@Key);\n{lastSql}", new { Key = WriterLock },
                async results =>
                {
                    await results.ReadAsync();
                    return await results.ReadSingleOrDefaultAsync<PlatformAuditRow>();
                },
                cancellationToken)
            : await db.QuerySingleOrDefaultAsync<PlatformAuditRow>(lastSql, null, cancellationToken);
        var entry = new PlatformAuditEntry((last?.Seq ?? 0) + 1, Ids.New(), AuditChain.Normalise(clock.GetUtcNow()), record.Actor, record.Action,
            EntityTenant, record.TenantId, record.Details, record.TraceId, last?.Hash ?? PlatformAuditChain.Genesis, "");
        entry = entry with { Hash = chain.Hash(entry) };
        await db.DeferAsync( // with COMMIT (docs/adr/0011): the lock keeps the sequence this writer's
            $"""
            INSERT INTO platform_audit_entries ({PlatformAuditRow.Columns})
            VALUES (@Sequence, @Id, @OccurredAt, @Actor, @Action, @EntityType, @EntityId, @Details, @TraceId, @PreviousHash, @Hash)
            """,
            entry, cancellationToken);
        return entry;
    }

    public Task<PlatformAuditEntry?> LatestAsync(Guid tenantId, string action, CancellationToken cancellationToken) =>
        LatestAlong(tenantId, action)(cancellationToken);

    public Func<CancellationToken, Task<PlatformAuditEntry?>> LatestAlong(Guid tenantId, string action)
    {
        var read = db.ReadAlong<PlatformAuditRow>(
            $"""
            SELECT {PlatformAuditRow.Columns} FROM platform_audit_entries
            WHERE entity_id = @TenantId AND action = @Action ORDER BY seq DESC LIMIT 1
            """,
            new { TenantId = tenantId, Action = action });
        return async cancellationToken => (await read(cancellationToken))?.ToEntry();
    }

    public async Task<IReadOnlyList<PlatformAuditEntry>> ReadAsync(long afterSequence, int limit, CancellationToken cancellationToken) =>
        [.. (await db.QueryAsync<PlatformAuditRow>(
            $"SELECT {PlatformAuditRow.Columns} FROM platform_audit_entries WHERE seq > @After ORDER BY seq LIMIT @Limit",
            new { After = afterSequence, Limit = limit }, cancellationToken)).Select(r => r.ToEntry())];
}
