using Cms.Infrastructure.Audit;
using Cms.Infrastructure.Persistence;

namespace Cms.Api;

/// <summary>The sealer's settings (<c>Cms:Sealer</c>).</summary>
public sealed class ChangeSealerOptions
{
    public const string Section = "Cms:Sealer";

    /// <summary>Whether this instance runs the sealer's worker (every instance may: they take turns per tenant). Off,
    /// the feed and webhook reads still seal what they serve; tests of the sealer itself drive it step by step.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How often every tenant is looked at, for changes committed through another instance that stopped
    /// before sealing them (this instance's own commits are sealed at once, through <see cref="ChangeSealerSignal"/>).</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long to wait before trying a tenant again that another instance was sealing.</summary>
    public TimeSpan BusyRetry { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>After sealing the tenants signalled, how long the worker waits before it seals on a signal again. Under a
    /// steady stream of commits each batch then carries every commit of the pause instead of a few: a batch costs the
    /// database about the same however small (docs/adr/0011, part 6). Zero: seal on every signal at once. Reads of the
    /// feed and webhook passes seal what they serve themselves and do not wait for it.</summary>
    public TimeSpan SignalPause { get; set; } = TimeSpan.FromMilliseconds(50);
}

/// <summary>
/// PostgreSQL: seals each tenant a moment after this instance commits a change of it, and every tenant at each sweep
/// (<see cref="ChangeSealer"/>: one sealer per tenant at a time across instances). A failed tenant is logged (type only,
/// no tenant data) and tried again at the next signal or sweep.
/// </summary>
public sealed partial class ChangeSealerWorker(ChangeSealer sealer, ChangeSealerSignal signal, DatabaseOptions database, ChangeSealerOptions options,
    ILogger<ChangeSealerWorker> logger, TimeProvider clock) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (database.Provider != DatabaseProvider.Postgres || !options.Enabled)
        {
            return;
        }

        using var untraced = DatabaseTelemetry.BackgroundWork();
        var nextSweep = DateTimeOffset.UtcNow;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var wait = nextSweep - DateTimeOffset.UtcNow;
                var tenantId = wait > TimeSpan.Zero ? await signal.NextAsync(wait, stoppingToken) : null;
                if (tenantId is { } signalled)
                {
                    await SealAsync(signalled, stoppingToken);
                    while (signal.TryNext(out var next))
                    {
                        await SealAsync(next, stoppingToken);
                    }

                    if (options.SignalPause > TimeSpan.Zero)
                    {
                        await Task.Delay(options.SignalPause, clock, stoppingToken);
                    }

                    continue;
                }

                nextSweep = DateTimeOffset.UtcNow + options.SweepInterval;
                foreach (var tenant in await sealer.TenantsAsync(stoppingToken))
                {
                    await SealAsync(tenant, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogSweepFailed(logger, ex.GetType().Name);
            }
        }
    }

    private async Task SealAsync(Guid tenantId, CancellationToken stoppingToken)
    {
        try
        {
            if (await sealer.SealAsync(tenantId, waitForTurn: false, stoppingToken) == ChangeSealer.Busy)
            {
                // Another instance is sealing it; its last batch may have been read before our commit.
                _ = Task.Delay(options.BusyRetry, stoppingToken).ContinueWith(_ => signal.Notify(tenantId), TaskScheduler.Default);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            LogTenantFailed(logger, ex.GetType().Name);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sealing a tenant's changes failed: {ErrorType}; the next signal or sweep retries")]
    private static partial void LogTenantFailed(ILogger logger, string errorType);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The sealer's sweep failed: {ErrorType}; the next sweep retries")]
    private static partial void LogSweepFailed(ILogger logger, string errorType);
}
