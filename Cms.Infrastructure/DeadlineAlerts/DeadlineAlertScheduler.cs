using Cms.Application.DeadlineAlerts.EmitDeadlineAlerts;
using Cms.Infrastructure.Persistence;
using Microsoft.Extensions.DependencyInjection;

namespace Cms.Infrastructure.DeadlineAlerts;

/// <summary>
/// Emits the deadline alerts that are owed (<see cref="DeadlineAlertPass"/>), tenant by tenant, each batch entering the
/// tenant through <see cref="TenantWork"/> (its own scope, tenant and transaction, as a request does). Runs on every
/// instance; the markers make each alert once however many instances run it at the same moment, and across restarts
/// (a pass that died before commit left neither marker nor event, so the next pass emits it).
/// </summary>
public sealed class DeadlineAlertScheduler(TenantWork work, TimeProvider clock)
{
    /// <summary>A bound on the batches per tenant and pass, so that one tenant's backlog never starves the others.</summary>
    public const int MaxBatchesPerTenant = 50;

    /// <summary>One pass over the active tenants; answers the number of alerts emitted. A tenant whose pass fails is skipped
    /// (<paramref name="onTenantFailed"/>) and tried again by the next pass.</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken, Action<Guid, Exception>? onTenantFailed = null)
    {
        var tenants = await work.RunAsync<IReadOnlyList<Guid>>(null,
            (db, token) => db.QueryAsync<Guid>(TenantRegistry.ActiveTenantIdsSql, TenantRegistry.ActiveTenantIdsParameters, token),
            cancellationToken, commit: false);
        var emitted = 0;
        foreach (var tenant in tenants)
        {
            try
            {
                for (var batch = 0; batch < MaxBatchesPerTenant; batch++)
                {
                    var now = clock.GetUtcNow();
                    var (seen, count) = await work.RunAsync(tenant,
                        (services, token) => services.GetRequiredService<DeadlineAlertPass>().RunAsync(now, token), cancellationToken);
                    emitted += count;
                    if (seen < DeadlineAlertPass.BatchSize)
                    {
                        break;
                    }
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException && onTenantFailed is not null)
            {
                onTenantFailed(tenant, ex);
            }
        }

        return emitted;
    }
}
