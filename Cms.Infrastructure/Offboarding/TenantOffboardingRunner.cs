using Cms.Application.PlatformAudit;
using Cms.Infrastructure.Crypto;
using Cms.Infrastructure.Persistence;

namespace Cms.Infrastructure.Offboarding;

/// <summary>The offboarding worker's settings (<c>Cms:Offboarding</c>).</summary>
public sealed class OffboardingOptions
{
    public const string Section = "Cms:Offboarding";

    /// <summary>Rows deleted per transaction (1 to 10,000).</summary>
    public int BatchSize { get; set; } = 1000;

    /// <summary>How long an instance holds a deletion before another may take it over (renewed with every batch).</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How often each instance looks for unfinished deletions (after a crash or a restart).</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>Another instance holds the deletion's lease (it took over after this one's lapsed): stop, it continues.</summary>
public sealed class OffboardingLeaseLostException() : Exception("Another instance holds this tenant's offboarding lease.");

/// <summary>
/// Deletes an offboarded tenant (docs/adr/0018-tenant-offboarding.md), resumable at any point: every step is a
/// transaction through <see cref="TenantWork"/> (the tenant scope requests use; on PostgreSQL row-level security applies
/// throughout), guarded by a lease on the tenant_offboardings row, so one instance works on a tenant at a time and a
/// restart, or another instance once the lease lapses, continues where it stopped.
/// <list type="number">
/// <item>Crypto-shred: the tenant's entry in the tenant key vault is destroyed (from then on its sealed data opens nowhere,
/// backups of the database included), then its wrapped keys (tenant_keys) are overwritten and keys_destroyed_at set, in
/// one transaction, before any row is deleted.</item>
/// <item>Each table with a tenant_id column (from the catalogue), referencing tables first, in batches: a batch and its
/// progress commit together; a table is done when a batch finds nothing.</item>
/// <item>The registry row, completed_at, and tenant.deleted in the platform audit chain, in one transaction.</item>
/// </list>
/// </summary>
public sealed class TenantOffboardingRunner(TenantWork work, TenantKeyCache keys, ITenantKeyVault vault, PlatformAuditChain chain,
    OffboardingOptions options, TimeProvider clock)
{
    private const string Worker = "offboarding";

    private readonly System.Collections.Concurrent.ConcurrentDictionary<Guid, bool> _running = new();

    /// <summary>This instance's lease owner name.</summary>
    public string Owner { get; } = $"{Environment.ProcessId}/{Guid.NewGuid():N}";

    /// <summary>Called after each committed batch with the number of batches this run has committed (tests: a crash).</summary>
    public Func<long, Task>? AfterBatch { get; set; }

    /// <summary>The unfinished deletions, oldest first.</summary>
    public Task<IReadOnlyList<Guid>> UnfinishedAsync(CancellationToken cancellationToken) =>
        work.RunAsync<IReadOnlyList<Guid>>(null, (db, token) => TenantOffboardingStore.UnfinishedAsync(db, token), cancellationToken);

    /// <summary>Runs the tenant's deletion to its end; false when another instance holds it or it is already complete.</summary>
    public async Task<bool> RunAsync(Guid tenantId, CancellationToken cancellationToken)
    {
        // The lease is per instance: two runs of one tenant in this process (the worker's and a sweep's) take turns here.
        if (!_running.TryAdd(tenantId, true))
        {
            return false;
        }

        try
        {
            return await ClaimAsync(tenantId, cancellationToken) && await RunClaimedAsync(tenantId, cancellationToken);
        }
        finally
        {
            _running.TryRemove(tenantId, out _);
        }
    }

    private async Task<bool> RunClaimedAsync(Guid tenantId, CancellationToken cancellationToken)
    {
        var tables = await work.RunAsync(null, (db, token) => TenantCatalogue.DeletionOrderAsync(db, token), cancellationToken);
        await DestroyKeysAsync(tenantId, cancellationToken);
        long batches = 0;
        var batchSize = Math.Clamp(options.BatchSize, 1, 10_000);
        long deletedInPass;
        do
        {
            // A second pass finds nothing unless something wrote meanwhile: the registry row goes only after a clean pass.
            deletedInPass = 0;
            foreach (var table in tables)
            {
                await ClearSelfReferencesAsync(tenantId, table, cancellationToken);
                int deleted;
                do
                {
                    deleted = await DeleteBatchAsync(tenantId, table, batchSize, cancellationToken);
                    deletedInPass += deleted;
                    if (deleted > 0 && AfterBatch is { } afterBatch)
                    {
                        await afterBatch(++batches);
                    }
                }
                while (deleted > 0);
            }
        }
        while (deletedInPass > 0);

        await work.RunAsync(tenantId, async (db, token) =>
        {
            var removed = db is PostgresSession
                ? await db.ExecuteScalarAsync<int>("SELECT offboarding_delete_tenant()", null, token)
                : await db.ExecuteAsync("DELETE FROM tenants WHERE id = @TenantId", new { TenantId = tenantId }, token);
            var offboarding = await db.QuerySingleOrDefaultAsync<TenantOffboardingRow>(
                $"SELECT {TenantOffboardingRow.Columns} FROM tenant_offboardings WHERE id = @TenantId", new { TenantId = tenantId }, token);
            await LeasedUpdateAsync(db, tenantId,
                "completed_at = @Now, current_table = NULL, lease_owner = NULL, lease_until = NULL, updated_at = @Now", new { }, token);
            await AuditAsync(db, tenantId, PlatformAuditTrail.Deleted,
                new { registryRows = removed, rowsDeleted = offboarding?.RowsDeleted, batches = offboarding?.Batches }, token);
            return removed;
        }, cancellationToken);
        return true;
    }

    /// <summary>One batch of a table and its progress, in one transaction of the tenant.</summary>
    private Task<int> DeleteBatchAsync(Guid tenantId, TenantTable table, int batchSize, CancellationToken cancellationToken) =>
        work.RunAsync(tenantId, async (db, token) =>
        {
            var count = db is PostgresSession
                ? await db.ExecuteScalarAsync<int>("SELECT offboarding_delete_batch(@Table, @Limit)", new { Table = table.Name, Limit = batchSize }, token)
                : await db.ExecuteAsync(
                    $"DELETE FROM {table.Quoted} WHERE tenant_id = @TenantId AND rowid IN (SELECT rowid FROM {table.Quoted} WHERE tenant_id = @TenantId LIMIT @Limit)",
                    new { TenantId = tenantId, Limit = batchSize }, token);
            if (count > 0)
            {
                await ProgressAsync(db, tenantId, table.Name, count, token);
            }

            return count;
        }, cancellationToken);

    private async Task<bool> ClaimAsync(Guid tenantId, CancellationToken cancellationToken) =>
        await work.RunAsync(null, async (db, token) => await db.ExecuteAsync(
            """
            UPDATE tenant_offboardings SET lease_owner = @Owner, lease_until = @Until, updated_at = @Now
            WHERE id = @TenantId AND completed_at IS NULL AND (lease_owner IS NULL OR lease_owner = @Owner OR lease_until < @Now)
            """,
            new { TenantId = tenantId, Owner, Now = clock.GetUtcNow(), Until = clock.GetUtcNow() + options.LeaseDuration }, token) == 1,
            cancellationToken);

    /// <summary>Destroys the tenant's vault entry, then overwrites every wrapped key of the tenant (once: a resumed run
    /// finds keys_destroyed_at set; destroying the vault entry again is a no-op).</summary>
    private async Task DestroyKeysAsync(Guid tenantId, CancellationToken cancellationToken)
    {
        // First and durably: every tenant key, in this database and in any backup of it, needs this entry to open.
        await vault.DestroyAsync(tenantId, cancellationToken);
        await work.RunAsync(tenantId, async (db, token) =>
        {
            var offboarding = await db.QuerySingleOrDefaultAsync<TenantOffboardingRow>(
                $"SELECT {TenantOffboardingRow.Columns} FROM tenant_offboardings WHERE id = @TenantId", new { TenantId = tenantId }, token);
            if (offboarding?.KeysDestroyedAt is not null)
            {
                return 0;
            }

            // The tenant key wraps every consumer's data key, which wraps (or keys) every sealed value: one overwrite per
            // tenant key version makes all of them unopenable, however many consumers the tenant has.
            var tenantKeys = await db.ExecuteAsync("UPDATE tenant_keys SET wrapped_key = '' WHERE tenant_id = @TenantId", new { TenantId = tenantId }, token);
            await LeasedUpdateAsync(db, tenantId, "keys_destroyed_at = @Now, updated_at = @Now", new { }, token);
            await AuditAsync(db, tenantId, PlatformAuditTrail.KeysDestroyed, new { tenantKeyVersions = tenantKeys, tenantKeyVault = vault.Kind }, token);
            return tenantKeys;
        }, cancellationToken);
        keys.Forget(tenantId);
    }

    /// <summary>A table's references to itself (a merged complaint to its survivor) are cleared before its batches, so a
    /// batch never deletes a row that a row of a later batch still references.</summary>
    private async Task ClearSelfReferencesAsync(Guid tenantId, TenantTable table, CancellationToken cancellationToken)
    {
        foreach (var column in table.SelfReferences)
        {
            var quoted = $"\"{column.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";
            await work.RunAsync(tenantId, (db, token) => db.ExecuteAsync(
                $"UPDATE {table.Quoted} SET {quoted} = NULL WHERE tenant_id = @TenantId AND {quoted} IS NOT NULL", new { TenantId = tenantId }, token),
                cancellationToken);
        }
    }

    private Task ProgressAsync(DbSession db, Guid tenantId, string table, int deleted, CancellationToken cancellationToken) =>
        LeasedUpdateAsync(db, tenantId,
            "current_table = @Table, rows_deleted = rows_deleted + @Deleted, batches = batches + 1, lease_until = @Until, updated_at = @Now",
            new { Table = table, Deleted = deleted, Until = clock.GetUtcNow() + options.LeaseDuration }, cancellationToken);

    /// <summary>An update of the offboarding row that holds only while this instance holds the lease; otherwise the whole
    /// transaction (the batch with it) is abandoned.</summary>
    private async Task LeasedUpdateAsync(DbSession db, Guid tenantId, string set, object values, CancellationToken cancellationToken)
    {
        var parameters = new DynamicParametersBuilder(values).With("TenantId", tenantId).With("Owner", Owner).With("Now", clock.GetUtcNow()).Build();
        if (await db.ExecuteAsync($"UPDATE tenant_offboardings SET {set} WHERE id = @TenantId AND lease_owner = @Owner", parameters, cancellationToken) != 1)
        {
            throw new OffboardingLeaseLostException();
        }
    }

    private async Task AuditAsync(DbSession db, Guid tenantId, string action, object details, CancellationToken cancellationToken)
    {
        var requestedBy = await db.QuerySingleOrDefaultAsync<string>("SELECT requested_by FROM tenant_offboardings WHERE id = @TenantId",
            new { TenantId = tenantId }, cancellationToken);
        await new PlatformAudit.PlatformAuditLog(db, chain, clock)
            .AppendAsync(PlatformAuditTrail.Record($"{Worker}:{requestedBy}", action, tenantId, details), cancellationToken);
    }
}
