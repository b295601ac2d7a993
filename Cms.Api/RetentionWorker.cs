using Cms.Infrastructure.Retention;

namespace Cms.Api;

/// <summary>
/// Runs the retention job (<see cref="RetentionRunner"/>) every <see cref="RetentionOptions.Interval"/> while the host
/// runs. A failed tenant or pass is logged (type only, no personal data) and tried again by the next pass; the lease and
/// the committed cursor make it safe on every instance and across restarts.
/// </summary>
public sealed partial class RetentionWorker(RetentionRunner runner, RetentionOptions options, ILogger<RetentionWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Enabled)
        {
            return;
        }

        await BackgroundPasses.RunAsync(options.Interval, firstAtStart: false,
            token => runner.RunOnceAsync(token, (_, ex) => LogTenantFailed(logger, ex.GetType().Name)),
            errorType => LogPassFailed(logger, errorType), clock: null, stoppingToken);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A tenant's retention pass failed: {ErrorType}; the next pass tries again")]
    private static partial void LogTenantFailed(ILogger logger, string errorType);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Retention pass failed: {ErrorType}")]
    private static partial void LogPassFailed(ILogger logger, string errorType);
}
