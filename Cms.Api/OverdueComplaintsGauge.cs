using System.Diagnostics.Metrics;
using Cms.Application.Common;
using Cms.Infrastructure.Complaints;
using Cms.Infrastructure.Persistence;

namespace Cms.Api;

/// <summary>
/// The <c>cms.complaints.overdue</c> gauge (tag cms.tenant_id): each tenant's open complaints whose next regulatory
/// deadline has passed. A metrics collection must never query the database, so a background loop counts every
/// <see cref="TelemetryOptions.OverdueRefreshInterval"/> (<see cref="OverdueComplaintCounter"/>: one indexed range
/// scan per tenant) and the gauge reports the last counts. When counting fails (database down) the gauge reports
/// nothing rather than stale numbers, and a warning is logged.
/// </summary>
public sealed partial class OverdueComplaintsGauge : BackgroundService
{
    public const string InstrumentName = "cms.complaints.overdue";

    private readonly OverdueComplaintCounter _counter;
    private readonly TimeProvider _clock;
    private readonly TimeSpan _interval;
    private readonly ILogger<OverdueComplaintsGauge> _logger;
    private volatile IReadOnlyDictionary<Guid, long> _counts = new Dictionary<Guid, long>();

    public OverdueComplaintsGauge(OverdueComplaintCounter counter, TimeProvider clock, TelemetryOptions options,
        IMeterFactory meters, ILogger<OverdueComplaintsGauge> logger)
    {
        _counter = counter;
        _clock = clock;
        _interval = options.OverdueRefreshInterval;
        _logger = logger;
        meters.Create(Telemetry.MeterName).CreateObservableGauge(InstrumentName, Observe, "{complaint}",
            "Open complaints past their next regulatory deadline, by tenant (refreshed periodically).");
    }

    /// <summary>Counts now (also used by tests instead of waiting for the loop).</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        try
        {
            _counts = await _counter.CountAsync(_clock.GetUtcNow(), cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _counts = new Dictionary<Guid, long>();
            LogCountFailed(_logger, ex.GetType().Name);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_interval <= TimeSpan.Zero)
        {
            return;
        }

        // Counting every minute with no request behind it: its statements make no root spans (DatabaseTelemetry).
        using var untraced = DatabaseTelemetry.BackgroundWork();
        using var timer = new PeriodicTimer(_interval, _clock);
        do
        {
            await RefreshAsync(stoppingToken);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private IEnumerable<Measurement<long>> Observe() =>
        _counts.Select(c => new Measurement<long>(c.Value, new KeyValuePair<string, object?>(Telemetry.Tags.TenantId, c.Key.ToString())));

    [LoggerMessage(Level = LogLevel.Warning, Message = "Counting overdue complaints failed ({ExceptionType}); the gauge is empty until the next refresh")]
    private static partial void LogCountFailed(ILogger logger, string exceptionType);
}
