using System.Threading.RateLimiting;

namespace Cms.Api.Http.RateLimits;

/// <summary>
/// A token bucket holding this instance's share of one partition's limit: capacity <c>Burst / n</c>, refilled at
/// <c>PermitsPerSecond / n</c> per second, n being the live instances at the moment of each request
/// (<see cref="InstanceShare"/>). In memory only: nothing is written anywhere per request. When n grows, the tokens
/// above the new capacity are dropped at once; when it shrinks, the bucket refills toward the larger capacity.
/// </summary>
public sealed class ShareTokenBucket(RateLimitOptions options, InstanceShare share, TimeProvider clock) : RateLimiter
{
    /// <summary>The tokens left in the bucket after a granted request (the <c>r</c> of the RateLimit header).</summary>
    public static readonly MetadataName<long> Remaining = MetadataName.Create<long>("CMS_RATELIMIT_REMAINING");

    private readonly Lock _gate = new();
    private double _tokens = double.NaN; // full on first use
    private long _refilledAt = clock.GetTimestamp();
    private long _usedAt = clock.GetTimestamp();

    public override TimeSpan? IdleDuration
    {
        get
        {
            lock (_gate)
            {
                Refill(out var capacity, out _);
                return _tokens >= capacity ? clock.GetElapsedTime(_usedAt) : null;
            }
        }
    }

    public override RateLimiterStatistics? GetStatistics()
    {
        lock (_gate)
        {
            Refill(out _, out _);
            return new RateLimiterStatistics { CurrentAvailablePermits = (long)_tokens };
        }
    }

    protected override RateLimitLease AttemptAcquireCore(int permitCount)
    {
        lock (_gate)
        {
            Refill(out _, out var perSecond);
            _usedAt = _refilledAt;
            if (_tokens >= permitCount)
            {
                _tokens -= permitCount;
                return new Lease(true, null, (long)_tokens);
            }

            var wait = TimeSpan.FromSeconds((permitCount - _tokens) / perSecond);
            return new Lease(false, wait, 0);
        }
    }

    protected override ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken) =>
        ValueTask.FromResult(AttemptAcquireCore(permitCount));

    private void Refill(out double capacity, out double perSecond)
    {
        var instances = share.LiveInstances;
        capacity = Math.Max(1.0, (double)Math.Max(1, options.Burst) / instances);
        perSecond = (double)Math.Max(1, options.PermitsPerSecond) / instances;
        var now = clock.GetTimestamp();
        _tokens = double.IsNaN(_tokens)
            ? capacity
            : Math.Min(capacity, _tokens + (clock.GetElapsedTime(_refilledAt, now).TotalSeconds * perSecond));
        _refilledAt = now;
    }

    private sealed class Lease(bool acquired, TimeSpan? retryAfter, long remaining) : RateLimitLease
    {
        public override bool IsAcquired => acquired;

        public override IEnumerable<string> MetadataNames =>
            retryAfter is null ? [Remaining.Name] : [MetadataName.RetryAfter.Name, Remaining.Name];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            if (metadataName == MetadataName.RetryAfter.Name && retryAfter is { } wait)
            {
                metadata = wait;
                return true;
            }

            if (metadataName == Remaining.Name)
            {
                metadata = remaining;
                return true;
            }

            metadata = null;
            return false;
        }
    }
}
