namespace Cms.Infrastructure.Resilience;

/// <summary>
/// <c>Cms:Resilience</c>: how the service retries a database transaction that failed transiently, and when it stops
/// trying while the database is down (docs/reliability.md). Every value has a production default.
/// </summary>
public sealed class ResilienceOptions
{
    public const string Section = "Cms:Resilience";

    /// <summary>Retries after the first attempt (0 turns retrying off; the circuit breaker still works).</summary>
    public int MaxRetryAttempts { get; set; } = 4;

    /// <summary>The first back-off; it doubles per retry, with jitter.</summary>
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>No single back-off is longer than this.</summary>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>No retry starts once this much time has passed since the first attempt began.</summary>
    public TimeSpan MaxRetryDuration { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The breaker opens when at least this share of the attempts in the sampling window found the database unreachable ...</summary>
    public double BreakerFailureRatio { get; set; } = 0.5;

    /// <summary>... and the window saw at least this many attempts.</summary>
    public int BreakerMinimumThroughput { get; set; } = 10;

    public TimeSpan BreakerSamplingDuration { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long an open breaker answers 503 at once before one trial request may test the database again.</summary>
    public TimeSpan BreakerBreakDuration { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The first configuration error, or null (Polly's own lower bounds included).</summary>
    public string? Validate()
    {
        if (MaxRetryAttempts is < 0 or > 20)
        {
            return $"{Section}:MaxRetryAttempts must be 0 to 20.";
        }

        if (BaseDelay <= TimeSpan.Zero || MaxDelay < BaseDelay || MaxRetryDuration <= TimeSpan.Zero)
        {
            return $"{Section}: BaseDelay and MaxRetryDuration must be positive and MaxDelay at least BaseDelay.";
        }

        if (BreakerFailureRatio is <= 0 or > 1 || BreakerMinimumThroughput < 2)
        {
            return $"{Section}: BreakerFailureRatio must be in (0, 1] and BreakerMinimumThroughput at least 2.";
        }

        if (BreakerSamplingDuration < TimeSpan.FromMilliseconds(500) || BreakerBreakDuration < TimeSpan.FromMilliseconds(500))
        {
            return $"{Section}: BreakerSamplingDuration and BreakerBreakDuration must be at least 0.5 s.";
        }

        return null;
    }
}
