using Cms.Application.Abstractions;
using Cms.Infrastructure.Idempotency;
using Microsoft.Extensions.Options;

namespace Cms.Api;

/// <summary>
/// Deletes expired idempotency keys of every tenant every <see cref="IdempotencyOptions.PurgeInterval"/>
/// (<see cref="IdempotencyPurger"/>: tenant by tenant under its row-level security, bounded batches). Without it a
/// tenant that stopped sending keys would keep its expired rows for ever: claims purge only their own scope. Logs the
/// number of keys deleted, never a key, principal or tenant (keys may be chosen by callers and quote anything).
/// </summary>
public sealed partial class IdempotencyPurgeWorker(IdempotencyPurger purger, IOptions<IdempotencyOptions> options, TimeProvider clock,
    ILogger<IdempotencyPurgeWorker> logger) : BackgroundService
{
    /// <summary>Batches per tenant per pass: a tenant with a backlog is finished by the next passes, the others are not held up.</summary>
    public const int MaxBatchesPerScope = 10;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.PurgeInterval;
        if (interval <= TimeSpan.Zero)
        {
            return;
        }

        await BackgroundPasses.RunAsync(interval, firstAtStart: false, async token =>
        {
            var purged = await purger.PurgeAsync(clock.GetUtcNow(), options.Value.PurgeBatchSize, MaxBatchesPerScope, token);
            if (purged > 0)
            {
                LogPurged(logger, purged);
            }
        }, errorType => LogPassFailed(logger, errorType), clock, stoppingToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Purged {Count} expired idempotency keys")]
    private static partial void LogPurged(ILogger logger, long count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Idempotency key purge pass failed: {ErrorType}; the next pass retries")]
    private static partial void LogPassFailed(ILogger logger, string errorType);
}
