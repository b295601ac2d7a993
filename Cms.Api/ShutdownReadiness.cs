using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Cms.Api;

/// <summary><c>Cms:Shutdown</c>: how the service leaves a load balancer's rotation on SIGTERM.</summary>
public sealed class ShutdownOptions
{
    public const string Section = "Cms:Shutdown";

    /// <summary>
    /// After SIGTERM, readiness answers unhealthy for this long while the service still serves, so load balancers stop
    /// sending before the listener closes. It must cover the readiness probe's period times its failure threshold (the
    /// time a probe needs to see the pod unready): 10 s is the 5 s × 2 of deploy/k8s/deployment.yaml.
    /// </summary>
    public TimeSpan ReadinessDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Then the listener closes and requests in flight get this long to finish.</summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(25);

    /// <summary>
    /// Last, the spans, metrics and logs the batch exporters still hold (those of the drained requests among them) get
    /// this long, in all, to be sent. A container's grace period must cover the sum of the three (<see cref="Total"/>).
    /// </summary>
    public TimeSpan TelemetryFlushTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The longest a graceful shutdown takes: the host's shutdown timeout, and the least grace period to give it.</summary>
    public TimeSpan Total => ReadinessDelay + DrainTimeout + TelemetryFlushTimeout;
}

/// <summary>
/// Graceful shutdown, in order: SIGTERM → readiness unhealthy ("shutting down") → <see cref="ShutdownOptions.ReadinessDelay"/>
/// of normal service → Kestrel stops accepting and waits up to <see cref="ShutdownOptions.DrainTimeout"/> for requests in
/// flight, each of which commits or rolls back its one transaction → exit. A lifecycle service's StoppingAsync runs
/// before the web server's StopAsync, which is what orders the first two.
/// </summary>
public sealed partial class ShutdownReadiness(ShutdownOptions options, ILogger<ShutdownReadiness> logger) : IHostedLifecycleService, IHealthCheck
{
    private volatile bool _stopping;

    public bool IsStopping => _stopping;

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        _stopping = true;
        LogDraining(logger, (long)options.ReadinessDelay.TotalMilliseconds);
        if (options.ReadinessDelay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(options.ReadinessDelay, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                // The host's shutdown timeout ran out: stop now.
            }
        }
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(_stopping ? HealthCheckResult.Unhealthy("The service is shutting down.") : HealthCheckResult.Healthy());

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Shutting down: readiness is unhealthy; serving {DelayMs} ms more before draining")]
    private static partial void LogDraining(ILogger logger, long delayMs);
}
