using System.Diagnostics.Metrics;
using Cms.Application.Common;
using Cms.Application.Retention.EraseDueConsumers;
using Cms.Infrastructure.Persistence;
using Microsoft.Extensions.DependencyInjection;

namespace Cms.Infrastructure.Retention;

/// <summary>The retention job's settings (<c>Cms:Retention</c>).</summary>
public sealed class RetentionOptions
{
    public const string Section = "Cms:Retention";

    /// <summary>Whether this instance runs the job (every instance may: the lease makes one sweep a tenant at a time).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How often the job looks for consumers due for erasure.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Consumers decided per transaction (1 to 1,000).</summary>
    public int BatchSize { get; set; } = 100;

    /// <summary>A bound on the batches per tenant and pass, so that one tenant's backlog never starves the others.</summary>
    public int MaxBatchesPerTenant { get; set; } = 50;

    /// <summary>How long an instance holds a tenant's sweep before another may take it over (renewed with every batch).</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(5);
}

/// <summary>What a run of the job did.</summary>
public sealed record RetentionTotals(int Erased, int Held, int Skipped, int Batches)
{
    public static readonly RetentionTotals None = new(0, 0, 0, 0);

    public RetentionTotals Add(RetentionTotals other) =>
        new(Erased + other.Erased, Held + other.Held, Skipped + other.Skipped, Batches + other.Batches);
}

/// <summary>
/// The retention job (docs/adr/0019-retention-schedules.md), tenant by tenant. Each batch enters the tenant through
/// <see cref="TenantWork"/> (its own scope, tenant and transaction, as a request does) and runs
/// <see cref="RetentionPass"/>; the batch's erasures, the sweep's cursor and the lease's renewal commit together, so a
/// restart resumes after the last committed batch and a batch is never half done. A tenant's sweep is held by one
/// instance at a time (the lease on its <c>retention_runs</c> row); another instance skips it, or takes it over once the
/// lease lapses. Counters: <c>cms.retention.erased</c>, <c>.held</c>, <c>.skipped</c> (by tenant), after commit.
/// </summary>
public sealed class RetentionRunner(TenantWork work, RetentionOptions options, TimeProvider clock)
{
    private static readonly Counter<long> Erased =
        Telemetry.Meter.CreateCounter<long>("cms.retention.erased", "{consumer}", "Consumers erased by the retention job, by tenant.");

    private static readonly Counter<long> Held = Telemetry.Meter.CreateCounter<long>("cms.retention.held", "{consumer}",
        "Consumers past retention kept under a legal hold, by tenant (each time the job decides them).");

    private static readonly Counter<long> Skipped = Telemetry.Meter.CreateCounter<long>("cms.retention.skipped", "{consumer}",
        "Consumers past retention kept because a complaint is open, or changed meanwhile, by tenant (each time the job decides them).");

    private static readonly string Upsert = $"{RetentionRunRow.Map.Insert} ON CONFLICT (tenant_id) DO NOTHING";

    /// <summary>This instance's lease owner name.</summary>
    public string Owner { get; } = $"{Environment.ProcessId}/{Guid.NewGuid():N}";

    /// <summary>Called after each committed batch with the number of batches this runner has committed (tests: a crash).</summary>
    public Func<long, Task>? AfterBatch { get; set; }

    private long _batches;

    /// <summary>One pass over the active tenants. A tenant whose pass fails is skipped (<paramref name="onTenantFailed"/>)
    /// and tried again by the next pass.</summary>
    public async Task<RetentionTotals> RunOnceAsync(CancellationToken cancellationToken, Action<Guid, Exception>? onTenantFailed = null)
    {
        var tenants = await work.RunAsync<IReadOnlyList<Guid>>(null,
            (db, token) => db.QueryAsync<Guid>(TenantRegistry.ActiveTenantIdsSql, TenantRegistry.ActiveTenantIdsParameters, token),
            cancellationToken, commit: false);
        var totals = RetentionTotals.None;
        foreach (var tenant in tenants)
        {
            try
            {
                totals = totals.Add(await RunTenantAsync(tenant, cancellationToken));
            }
            catch (Exception ex) when (ex is not OperationCanceledException && onTenantFailed is not null)
            {
                onTenantFailed(tenant, ex);
            }
        }

        return totals;
    }

    /// <summary>Up to <see cref="RetentionOptions.MaxBatchesPerTenant"/> batches of one tenant's sweep; nothing when another
    /// instance holds it.</summary>
    public async Task<RetentionTotals> RunTenantAsync(Guid tenantId, CancellationToken cancellationToken)
    {
        if (!await ClaimAsync(tenantId, cancellationToken))
        {
            return RetentionTotals.None;
        }

        var totals = RetentionTotals.None;
        var batchSize = Math.Clamp(options.BatchSize, 1, 1000);
        for (var i = 0; i < options.MaxBatchesPerTenant; i++)
        {
            var now = clock.GetUtcNow();
            RetentionBatch batch;
            try
            {
                batch = await work.RunAsync(tenantId, (services, token) => BatchAsync(services, tenantId, batchSize, now, token), cancellationToken);
            }
            catch (Exception ex) when (ex is not RetentionLeaseLostException)
            {
                // The batch rolled back (or was stopped): the lease goes at once, so that this instance's next pass or
                // another instance retries the tenant without waiting for it to lapse.
                await ReleaseQuietlyAsync(tenantId);
                throw;
            }

            totals = totals.Add(new RetentionTotals(batch.Erased, batch.Held, batch.Skipped, 1));
            var tag = new KeyValuePair<string, object?>(Telemetry.Tags.TenantId, tenantId.ToString());
            Erased.Add(batch.Erased, tag);
            Held.Add(batch.Held, tag);
            Skipped.Add(batch.Skipped, tag);
            if (AfterBatch is { } afterBatch)
            {
                await afterBatch(Interlocked.Increment(ref _batches));
            }

            if (batch.Last is null)
            {
                break;
            }
        }

        // Released, so that another instance's next pass need not wait for the lease to lapse.
        await ReleaseAsync(tenantId, cancellationToken);
        return totals;
    }

    private Task<int> ReleaseAsync(Guid tenantId, CancellationToken cancellationToken) =>
        work.RunAsync(tenantId, async (db, token) => await ReadAsync(db, tenantId, token) is { } run
            ? await WriteAsync(db, run with { LeaseOwner = null, LeaseUntil = null, UpdatedAt = clock.GetUtcNow() }, "lease_owner = @Owner", token)
            : 0, cancellationToken);

    /// <summary>Releases after a failed batch; when that fails too (the database gone), the lease lapses by itself.</summary>
    private async Task ReleaseQuietlyAsync(Guid tenantId)
    {
        try
        {
            await ReleaseAsync(tenantId, CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The batch's own failure is what the caller hears about.
        }
    }

    /// <summary>One batch, its cursor and the lease's renewal in the tenant's transaction; abandoned whole when the lease
    /// was taken over meanwhile.</summary>
    private async Task<RetentionBatch> BatchAsync(IServiceProvider services, Guid tenantId, int batchSize, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var db = services.GetRequiredService<DbSession>();
        var run = await ReadAsync(db, tenantId, cancellationToken);
        if (run?.LeaseOwner != Owner)
        {
            throw new RetentionLeaseLostException();
        }

        var batch = await services.GetRequiredService<RetentionPass>().RunAsync(run.CursorConsumerId, batchSize, now, cancellationToken);
        var swept = batch.Last is null;
        var next = run with
        {
            CursorConsumerId = batch.Last,
            LeaseUntil = clock.GetUtcNow() + options.LeaseDuration,
            SweepsCompleted = run.SweepsCompleted + (swept ? 1 : 0),
            LastCompletedAt = swept ? now : run.LastCompletedAt,
            Erased = run.Erased + batch.Erased,
            Held = run.Held + batch.Held,
            Skipped = run.Skipped + batch.Skipped,
            Batches = run.Batches + 1,
            UpdatedAt = clock.GetUtcNow(),
        };
        if (await WriteAsync(db, next, "lease_owner = @Owner", cancellationToken) != 1)
        {
            throw new RetentionLeaseLostException();
        }

        return batch;
    }

    /// <summary>Takes the tenant's lease when it is free, lapsed or already this instance's.</summary>
    private Task<bool> ClaimAsync(Guid tenantId, CancellationToken cancellationToken) =>
        work.RunAsync(tenantId, async (db, token) =>
        {
            var now = clock.GetUtcNow();
            await db.ExecuteAsync(Upsert, new RetentionRunRow { TenantId = tenantId, UpdatedAt = now }, token);
            var run = (await ReadAsync(db, tenantId, token))!;
            var claimed = run with { LeaseOwner = Owner, LeaseUntil = now + options.LeaseDuration, UpdatedAt = now };
            return await WriteAsync(db, claimed, "(lease_owner IS NULL OR lease_owner = @Owner OR lease_until < @Now)", token, now) == 1;
        }, cancellationToken);

    private static Task<RetentionRunRow?> ReadAsync(DbSession db, Guid tenantId, CancellationToken cancellationToken) =>
        db.QuerySingleOrDefaultAsync<RetentionRunRow>(
            $"SELECT {RetentionRunRow.Map.Columns} FROM retention_runs WHERE tenant_id = @TenantId", new { TenantId = tenantId }, cancellationToken);

    private Task<int> WriteAsync(DbSession db, RetentionRunRow row, string condition, CancellationToken cancellationToken, DateTimeOffset? now = null) =>
        db.ExecuteAsync($"UPDATE retention_runs SET {RetentionRunRow.Map.UpdateSet} WHERE {RetentionRunRow.Map.KeyEquals} AND {condition}",
            new DynamicParametersBuilder(row).With("Owner", Owner).With("Now", now ?? clock.GetUtcNow()).Build(), cancellationToken);
}

/// <summary>Another instance took over this tenant's sweep (this one's lease lapsed): stop, it continues.</summary>
public sealed class RetentionLeaseLostException() : Exception("Another instance holds this tenant's retention lease.");
