using Cms.Infrastructure.Offboarding;
using Cms.Infrastructure.Persistence;

namespace Cms.Api;

/// <summary>
/// Runs tenant deletions (<see cref="TenantOffboardingRunner"/>): at once when this instance accepted the request, and
/// at every sweep any unfinished one whose lease has lapsed (an instance that crashed or was stopped mid-way), so a
/// restart continues where the deletion stopped. Logs the outcome's kind and counts, never tenant data.
/// </summary>
public sealed partial class TenantOffboardingWorker(TenantOffboardingRunner runner, OffboardingSignal signal, OffboardingOptions options,
    ILogger<TenantOffboardingWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var untraced = DatabaseTelemetry.BackgroundWork();
        var nextSweep = DateTimeOffset.UtcNow;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var wait = nextSweep - DateTimeOffset.UtcNow;
                if (wait > TimeSpan.Zero && await signal.NextAsync(wait, stoppingToken) is { } signalled)
                {
                    await RunAsync(signalled, stoppingToken);
                    continue;
                }

                nextSweep = DateTimeOffset.UtcNow + options.SweepInterval;
                foreach (var tenantId in await runner.UnfinishedAsync(stoppingToken))
                {
                    await RunAsync(tenantId, stoppingToken);
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

    private async Task RunAsync(Guid tenantId, CancellationToken stoppingToken)
    {
        try
        {
            if (await runner.RunAsync(tenantId, stoppingToken))
            {
                LogCompleted(logger);
            }
        }
        catch (OffboardingLeaseLostException)
        {
            LogLeaseLost(logger);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            LogFailed(logger, ex.GetType().Name);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "A tenant's offboarding completed")]
    private static partial void LogCompleted(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "A tenant's offboarding continues on another instance (its lease moved)")]
    private static partial void LogLeaseLost(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A tenant's offboarding stopped: {ErrorType}; the next sweep resumes it")]
    private static partial void LogFailed(ILogger logger, string errorType);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The offboarding sweep failed: {ErrorType}; the next sweep retries")]
    private static partial void LogSweepFailed(ILogger logger, string errorType);
}
