using Cms.Infrastructure.Persistence;

namespace Cms.Api;

/// <summary>
/// The loop of a worker that runs a pass every interval while the host runs: no request is behind a pass, so its
/// statements make no root spans (<see cref="DatabaseTelemetry.BackgroundWork"/>); a failed pass is reported by its
/// exception type only (no personal data) and the next pass runs; stopping the host ends the loop quietly.
/// </summary>
public static class BackgroundPasses
{
    /// <param name="interval">Time between passes.</param>
    /// <param name="firstAtStart">Run the first pass at once rather than after one interval.</param>
    /// <param name="pass">One pass.</param>
    /// <param name="failed">Told the type name of a pass's exception.</param>
    /// <param name="clock">The timer's clock (tests' fake time); the system's when null.</param>
    /// <param name="stoppingToken">The host's stopping token.</param>
    public static async Task RunAsync(TimeSpan interval, bool firstAtStart, Func<CancellationToken, Task> pass, Action<string> failed,
        TimeProvider? clock, CancellationToken stoppingToken)
    {
        using var untraced = DatabaseTelemetry.BackgroundWork();
        using var timer = new PeriodicTimer(interval, clock ?? TimeProvider.System);
        if (!firstAtStart && !await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            return;
        }

        do
        {
            try
            {
                await pass(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                failed(ex.GetType().Name);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }
}
