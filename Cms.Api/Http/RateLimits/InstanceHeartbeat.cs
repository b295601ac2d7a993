using Cms.Infrastructure.Instances;
using Cms.Infrastructure.Persistence;

namespace Cms.Api.Http.RateLimits;

/// <summary>This instance's identity and how many instances (itself included) its last heartbeat saw alive.</summary>
public sealed class InstanceShare
{
    private volatile int _liveInstances = 1;

    public Guid InstanceId { get; } = Guid.CreateVersion7();

    public DateTimeOffset StartedAt { get; } = DateTimeOffset.UtcNow;

    /// <summary>At least 1. Each instance enforces 1/<see cref="LiveInstances"/> of every tenant's limit.</summary>
    public int LiveInstances => _liveInstances;

    public void Update(int liveInstances) => _liveInstances = Math.Max(1, liveInstances);
}

/// <summary>
/// Refreshes this instance's heartbeat row every <see cref="RateLimitOptions.HeartbeatInterval"/> and takes the count of
/// live instances from it (<see cref="InstanceRegistry"/>); marks the row gone on a clean stop. When a heartbeat fails
/// (database down), the last count stays: the share changes only on what the registry says.
/// </summary>
public sealed partial class InstanceHeartbeatWorker(InstanceRegistry registry, InstanceShare share, RateLimitOptions options,
    TimeProvider clock, ILogger<InstanceHeartbeatWorker> logger) : BackgroundService
{
    /// <summary>One heartbeat now (also used by tests instead of waiting for the loop).</summary>
    public async Task BeatAsync(CancellationToken cancellationToken)
    {
        try
        {
            share.Update(await registry.BeatAsync(share.InstanceId, share.StartedAt, clock.GetUtcNow(), options.InstanceExpiry, cancellationToken));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogBeatFailed(logger, ex.GetType().Name, share.LiveInstances);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // A heartbeat with no request behind it: its statements make no root spans (DatabaseTelemetry).
        using var untraced = DatabaseTelemetry.BackgroundWork();
        using var timer = new PeriodicTimer(options.HeartbeatInterval, clock);
        try
        {
            do
            {
                await BeatAsync(stoppingToken);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // stopping: the row is marked gone in StopAsync
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await registry.LeaveAsync(share.InstanceId, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogLeaveFailed(logger, ex.GetType().Name); // the row expires on its own
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Instance heartbeat failed ({ExceptionType}); keeping the last count of {LiveInstances} live instances")]
    private static partial void LogBeatFailed(ILogger logger, string exceptionType, int liveInstances);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Marking this instance's heartbeat row gone failed ({ExceptionType}); it expires on its own")]
    private static partial void LogLeaveFailed(ILogger logger, string exceptionType);
}
