using System.Threading.Channels;
using Cms.Application.Tenants;
using Cms.Infrastructure.Persistence;

namespace Cms.Infrastructure.Offboarding;

internal sealed class TenantOffboardingRow
{
    public Guid Id { get; init; }
    public DateTimeOffset RequestedAt { get; init; }
    public string RequestedBy { get; init; } = "";
    public long? ExportEntrySeq { get; init; }
    public string? WithoutExportReason { get; init; }
    public DateTimeOffset? KeysDestroyedAt { get; init; }
    public string? CurrentTable { get; init; }
    public long RowsDeleted { get; init; }
    public long Batches { get; init; }
    public DateTimeOffset? CompletedAt { get; init; }

    public const string Columns =
        "id, requested_at, requested_by, export_entry_seq, without_export_reason, keys_destroyed_at, current_table, rows_deleted, batches, completed_at";

    public TenantOffboardingDto ToDto() => new(Id, CompletedAt is null ? OffboardingState.Deleting : OffboardingState.Completed, RequestedAt,
        RequestedBy, ExportEntrySeq, WithoutExportReason, KeysDestroyedAt, CurrentTable, RowsDeleted, Batches, CompletedAt);
}

/// <summary>Tells this instance's offboarding worker that a deletion was committed (others find it at their next sweep).</summary>
public sealed class OffboardingSignal
{
    private readonly Channel<Guid> _requests = Channel.CreateUnbounded<Guid>();

    public void Notify(Guid tenantId) => _requests.Writer.TryWrite(tenantId);

    /// <summary>The next signalled tenant, or null when <paramref name="wait"/> passes first.</summary>
    public async Task<Guid?> NextAsync(TimeSpan wait, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(wait);
        try
        {
            return await _requests.Reader.ReadAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }
}

/// <summary><c>tenant_offboardings</c>: a platform table (no row-level security, no tenant_id column): it outlives the tenant.</summary>
internal sealed class TenantOffboardingStore(DbSession db, OffboardingSignal signal) : ITenantOffboardings
{
    public Task<TenantOffboardingDto?> GetAsync(Guid tenantId, CancellationToken cancellationToken) => GetAlong(tenantId)(cancellationToken);

    public Func<CancellationToken, Task<TenantOffboardingDto?>> GetAlong(Guid tenantId)
    {
        var read = db.ReadAlong<TenantOffboardingRow>($"SELECT {TenantOffboardingRow.Columns} FROM tenant_offboardings WHERE id = @Id",
            new { Id = tenantId });
        return async cancellationToken => (await read(cancellationToken))?.ToDto();
    }

    /// <summary>Nobody reads its count: it travels with the next round trip (the platform chain's lock), where a concurrent
    /// offboarding of the same tenant fails on the key as it failed here (docs/adr/0011 part 8).</summary>
    public async Task AddAsync(NewTenantOffboarding offboarding, CancellationToken cancellationToken)
    {
        await db.DeferAsync(
            """
            INSERT INTO tenant_offboardings (id, requested_at, requested_by, export_entry_seq, without_export_reason, rows_deleted, batches, updated_at)
            VALUES (@TenantId, @RequestedAt, @RequestedBy, @ExportEntrySequence, @WithoutExportReason, 0, 0, @RequestedAt)
            """,
            offboarding, cancellationToken);
        db.AfterCommit(() => signal.Notify(offboarding.TenantId));
    }

    /// <summary>Unfinished offboardings, oldest first (what a restarted worker resumes).</summary>
    public static Task<IReadOnlyList<Guid>> UnfinishedAsync(DbSession session, CancellationToken cancellationToken) =>
        session.QueryAsync<Guid>("SELECT id FROM tenant_offboardings WHERE completed_at IS NULL ORDER BY requested_at, id", null, cancellationToken);
}
