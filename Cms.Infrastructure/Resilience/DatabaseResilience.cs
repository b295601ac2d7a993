using System.Diagnostics;
using System.Diagnostics.Metrics;
using Cms.Application.Common;
using Cms.Infrastructure.Persistence;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;

namespace Cms.Infrastructure.Resilience;

/// <summary>
/// The attempts at one request's database work. The caller sets <see cref="CommitReplayable"/> once a replayable record
/// of the request (its idempotency key) is part of the transaction: only then is a connection lost during COMMIT retried,
/// because the retry then either finds the recorded answer (the COMMIT had succeeded) or does the work again (it had not).
/// </summary>
public sealed class TransactionAttempts
{
    internal long StartedAt { get; set; }

    /// <summary>Attempts begun so far (the first is 1).</summary>
    public int Count { get; internal set; }

    public bool CommitReplayable { get; set; }

    internal string? LastReason { get; set; }
}

/// <summary>
/// The one resilience pipeline for database work (Polly): a retry of the WHOLE unit of work (the caller's delegate runs
/// a complete transaction, begin to commit, and resets its session before a new attempt), with exponential back-off and
/// jitter, bounded in attempts and in total time; inside it a circuit breaker that counts attempts that found the database
/// unreachable and, once open, refuses work at once (<see cref="BrokenCircuitException"/>, answered as 503 with
/// Retry-After) until a trial attempt after the break succeeds. Contention (40001, 40P01) is retried but is no sign of an
/// unreachable database, so the breaker ignores it. Nothing is cancelled mid-statement: the time bound is checked before
/// each retry.
/// <para>
/// Recovery without a flap: a caller the breaker refuses (open, or half-open while its one trial runs) first asks a
/// shared recovery probe whether the database answers (<see cref="DatabasePing"/>: one probe in flight at a time, bounded
/// in time; a "yes" reused for a moment, a "no" only by the callers that waited for that probe); if it does, the breaker
/// is closed and the work runs. So once the database
/// answers again no request is refused for the rest of a break, and the half-open state sends no caller back into an
/// error. While the database is down a refused caller waits at most for one probe (loopback: a refused connection) and
/// gets its 503 as before.
/// </para>
/// </summary>
public sealed partial class DatabaseResilience
{
    /// <summary>
    /// How long a probe's "the database answers" stands for the callers refused after it. A "no" is never reused once
    /// its probe has finished: the database may come back a moment later (a fast restart takes ~200 ms), and a caller
    /// arriving then must not be refused on an answer from the outage. Reusing a "no" for 250 ms was what still answered
    /// 503 database.circuit_open after the database answered again.
    /// </summary>
    private static readonly TimeSpan ProbeAnswerLifetime = TimeSpan.FromMilliseconds(250);

    /// <summary>The longest a recovery probe may take (a black-holed host would otherwise hold refused callers).</summary>
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(2);

    private static readonly ResiliencePropertyKey<TransactionAttempts> AttemptsKey = new("cms.db.attempts");

    private readonly ResiliencePipeline _pipeline;
    private readonly CircuitBreakerStateProvider _breaker = new();
    private readonly CircuitBreakerManualControl _manual = new();
    private readonly ResilienceOptions _options;
    private readonly ILogger<DatabaseResilience> _logger;
    private readonly DatabasePing? _ping;
    private readonly Lock _probeLock = new();
    private Task<bool>? _probe;
    private long _probeAnsweredAt;

    public DatabaseResilience(ResilienceOptions options, ILogger<DatabaseResilience> logger, DatabasePing? ping = null)
    {
        _options = options;
        _logger = logger;
        _ping = ping;

        // Real time, not the service's clock: tests that pin the clock must not stop the back-off from elapsing.
        var builder = new ResiliencePipelineBuilder { Name = "cms-database" };

        if (options.MaxRetryAttempts > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = options.MaxRetryAttempts,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.BaseDelay,
                MaxDelay = options.MaxDelay,
                ShouldHandle = args => ValueTask.FromResult(ShouldRetry(args.Outcome.Exception, args.Context)),
                OnRetry = args =>
                {
                    var reason = args.Outcome.Exception is { } ex ? DatabaseFaults.Reason(ex) : "unknown";
                    if (args.Context.Properties.TryGetValue(AttemptsKey, out var attempts))
                    {
                        attempts.LastReason = reason;
                    }

                    ResilienceMetrics.Retries.Add(1, new KeyValuePair<string, object?>("cms.db.retry_reason", reason));
                    LogRetry(_logger, args.AttemptNumber + 1, reason, (long)args.RetryDelay.TotalMilliseconds);
                    return ValueTask.CompletedTask;
                },
            });
        }

        builder.AddCircuitBreaker(new CircuitBreakerStrategyOptions
        {
            FailureRatio = options.BreakerFailureRatio,
            MinimumThroughput = options.BreakerMinimumThroughput,
            SamplingDuration = options.BreakerSamplingDuration,
            BreakDuration = options.BreakerBreakDuration,
            StateProvider = _breaker,
            ManualControl = _manual,
            ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } ex &&
                DatabaseFaults.Classify(ex) is DatabaseFault.Unavailable or DatabaseFault.CommitOutcomeUnknown),
            OnOpened = args =>
            {
                // The idle connections of the pools are from before the outage: none will work again.
                _ping?.ClearPools();
                ResilienceMetrics.BreakerTransitions.Add(1, new KeyValuePair<string, object?>("cms.db.breaker_state", "open"));
                LogBreakerOpened(_logger, (long)args.BreakDuration.TotalMilliseconds);
                return ValueTask.CompletedTask;
            },
            OnHalfOpened = _ =>
            {
                ResilienceMetrics.BreakerTransitions.Add(1, new KeyValuePair<string, object?>("cms.db.breaker_state", "half_open"));
                return ValueTask.CompletedTask;
            },
            OnClosed = _ =>
            {
                ResilienceMetrics.BreakerTransitions.Add(1, new KeyValuePair<string, object?>("cms.db.breaker_state", "closed"));
                LogBreakerClosed(_logger);
                return ValueTask.CompletedTask;
            },
        });

        _pipeline = builder.Build();
        ResilienceMetrics.Track(_breaker);
    }

    public ResilienceOptions Options => _options;

    /// <summary>Closed, Open, HalfOpen or Isolated.</summary>
    public CircuitState BreakerState => _breaker.CircuitState;

    /// <summary>
    /// Runs <paramref name="unitOfWork"/> (given the attempt number, 1 first) until it succeeds, fails with something
    /// not transient, or the retries or their time are used up; the last failure is rethrown as it was.
    /// </summary>
    public async ValueTask<T> ExecuteAsync<T>(Func<int, CancellationToken, ValueTask<T>> unitOfWork, TransactionAttempts attempts,
        CancellationToken cancellationToken)
    {
        try
        {
            return await ExecuteOnceAsync(unitOfWork, attempts, cancellationToken);
        }
        catch (BrokenCircuitException)
        {
            if (!await DatabaseAnswersAsync(cancellationToken))
            {
                throw;
            }
        }

        // Refused by the breaker although the database answers: close it and do the work.
        LogBreakerClosedByProbe(_logger);
        await _manual.CloseAsync(CancellationToken.None);
        return await ExecuteOnceAsync(unitOfWork, attempts, cancellationToken);
    }

    /// <summary>
    /// Whether the database answers now: one shared probe at a time (so a down database sees at most one connection
    /// attempt from the refused callers at any moment); a "yes" reused briefly, a "no" only by the callers that joined
    /// its probe while it ran.
    /// </summary>
    private async Task<bool> DatabaseAnswersAsync(CancellationToken cancellationToken)
    {
        if (_ping is null)
        {
            return false;
        }

        Task<bool> probe;
        lock (_probeLock)
        {
            var stale = _probe is { IsCompleted: true } done &&
                (!done.Result || Stopwatch.GetElapsedTime(_probeAnsweredAt) > ProbeAnswerLifetime);
            if (_probe is null || stale)
            {
                _probe = ProbeAsync(_ping);
            }

            probe = _probe;
        }

        return await probe.WaitAsync(cancellationToken);
    }

    private async Task<bool> ProbeAsync(DatabasePing ping)
    {
        try
        {
            using var timeout = new CancellationTokenSource(ProbeTimeout);
            await ping.PingAsync(timeout.Token);
            return true;
        }
        catch (Exception)
        {
            return false;
        }
        finally
        {
            _probeAnsweredAt = Stopwatch.GetTimestamp();
        }
    }

    private async ValueTask<T> ExecuteOnceAsync<T>(Func<int, CancellationToken, ValueTask<T>> unitOfWork, TransactionAttempts attempts,
        CancellationToken cancellationToken)
    {
        attempts.StartedAt = Stopwatch.GetTimestamp();
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(AttemptsKey, attempts);
        try
        {
            return await _pipeline.ExecuteAsync(static async (ctx, state) =>
            {
                var (work, attempts) = state;
                var attempt = ++attempts.Count;
                attempts.CommitReplayable = false;

                // A span per retry (never for the first attempt): its number and why the previous one failed.
                using var span = attempt == 1 ? null : Telemetry.Source.StartActivity("db.transaction.retry");
                span?.SetTag("cms.db.attempt", attempt);
                span?.SetTag("cms.db.retry_reason", attempts.LastReason);
                try
                {
                    return await work(attempt, ctx.CancellationToken);
                }
                catch (Exception ex) when (span is not null)
                {
                    span.SetStatus(ActivityStatusCode.Error, DatabaseFaults.Reason(ex));
                    span.SetTag("error.type", DatabaseFaults.Reason(ex));
                    throw;
                }
            }, context, (unitOfWork, attempts));
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private bool ShouldRetry(Exception? exception, ResilienceContext context)
    {
        if (exception is null || exception is BrokenCircuitException || context.CancellationToken.IsCancellationRequested)
        {
            return false;
        }

        context.Properties.TryGetValue(AttemptsKey, out var attempts);
        var retryable = DatabaseFaults.Classify(exception) switch
        {
            DatabaseFault.Contention or DatabaseFault.Unavailable => true,
            DatabaseFault.CommitOutcomeUnknown => attempts?.CommitReplayable == true,
            _ => false,
        };

        if (retryable && attempts is not null && Stopwatch.GetElapsedTime(attempts.StartedAt) >= _options.MaxRetryDuration)
        {
            ResilienceMetrics.Exhausted.Add(1, new KeyValuePair<string, object?>("cms.db.retry_reason", DatabaseFaults.Reason(exception)));
            return false;
        }

        return retryable;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Database transaction failed transiently ({Reason}); retry {Attempt} in {DelayMs} ms")]
    private static partial void LogRetry(ILogger logger, int attempt, string reason, long delayMs);

    [LoggerMessage(Level = LogLevel.Error, Message = "Database circuit breaker opened for {BreakMs} ms: the database is unreachable")]
    private static partial void LogBreakerOpened(ILogger logger, long breakMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Database circuit breaker closed early: the recovery probe found the database answering")]
    private static partial void LogBreakerClosedByProbe(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Database circuit breaker closed: the database answers again")]
    private static partial void LogBreakerClosed(ILogger logger);
}

/// <summary>
/// Retry and breaker instruments on the service's meter. Tags are fixed labels (SQLSTATE, state names): no personal data,
/// no tenant.
/// </summary>
public static class ResilienceMetrics
{
    public static readonly Counter<long> Retries = Telemetry.Meter.CreateCounter<long>("cms.db.transaction.retries", "{retry}",
        "Database transactions retried after a transient failure, by reason (SQLSTATE or 'connection').");

    public static readonly Counter<long> Exhausted = Telemetry.Meter.CreateCounter<long>("cms.db.transaction.retries_exhausted", "{transaction}",
        "Transient failures not retried because the retry time budget was used up.");

    public static readonly Counter<long> BreakerTransitions = Telemetry.Meter.CreateCounter<long>("cms.db.circuit_breaker.transitions",
        "{transition}", "Circuit breaker state changes, by the state entered.");

    public static readonly Counter<long> Rejected = Telemetry.Meter.CreateCounter<long>("cms.db.circuit_breaker.rejected", "{request}",
        "Requests answered 503 at once because the breaker was open.");

    private static readonly List<WeakReference<CircuitBreakerStateProvider>> Breakers = [];

    /// <summary>0 closed, 1 half-open, 2 open (isolated counts as open); the worst breaker of the process.</summary>
    public static readonly ObservableGauge<int> BreakerState = Telemetry.Meter.CreateObservableGauge("cms.db.circuit_breaker.state", ObserveState,
        "{state}", "Database circuit breaker: 0 closed, 1 half-open, 2 open.");

    internal static void Track(CircuitBreakerStateProvider breaker)
    {
        lock (Breakers)
        {
            Breakers.RemoveAll(w => !w.TryGetTarget(out _));
            Breakers.Add(new WeakReference<CircuitBreakerStateProvider>(breaker));
        }
    }

    private static int ObserveState()
    {
        var worst = 0;
        lock (Breakers)
        {
            foreach (var weak in Breakers)
            {
                if (weak.TryGetTarget(out var breaker))
                {
                    worst = Math.Max(worst, breaker.CircuitState switch
                    {
                        CircuitState.Closed => 0,
                        CircuitState.HalfOpen => 1,
                        _ => 2,
                    });
                }
            }
        }

        return worst;
    }
}
