using Cms.Infrastructure.DeadlineAlerts;

namespace Cms.Api;

public sealed class DeadlineAlertOptions
{
    public const string Section = "Cms:DeadlineAlerts";

    /// <summary>Whether this instance runs the scheduler (every instance may: the markers make each alert once).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How often the owed alerts are looked for: an alert arrives at most this long after its moment.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// Runs <see cref="DeadlineAlertScheduler"/> every <see cref="DeadlineAlertOptions.Interval"/> while the host runs. A
/// failed tenant or pass is logged (type only, no personal data) and tried again by the next pass.
/// </summary>
public sealed partial class DeadlineAlertWorker(DeadlineAlertScheduler scheduler, DeadlineAlertOptions options, ILogger<DeadlineAlertWorker> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Enabled)
        {
            return;
        }

        await BackgroundPasses.RunAsync(options.Interval, firstAtStart: true,
            token => scheduler.RunOnceAsync(token, (_, ex) => LogTenantFailed(logger, ex.GetType().Name)),
            errorType => LogPassFailed(logger, errorType), clock: null, stoppingToken);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A tenant's deadline alert pass failed: {ErrorType}; the next pass tries again")]
    private static partial void LogTenantFailed(ILogger logger, string errorType);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Deadline alert pass failed: {ErrorType}")]
    private static partial void LogPassFailed(ILogger logger, string errorType);
}
