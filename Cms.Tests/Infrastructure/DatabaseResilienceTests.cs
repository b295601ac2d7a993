using System.Diagnostics;
using System.Diagnostics.Metrics;
using Cms.Application.Common;
using Cms.Infrastructure.Resilience;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Polly.CircuitBreaker;

namespace Cms.Tests.Infrastructure;

/// <summary>
/// The retry and breaker rules of <see cref="DatabaseResilience"/> in isolation: which failures are retried, that a lost
/// COMMIT is retried only when replayable, that the time budget ends retrying, and that the breaker opens on an
/// unreachable database (not on contention) and closes again by itself.
/// </summary>
public sealed class DatabaseResilienceTests
{
    private static readonly ResilienceOptions Fast = new()
    {
        MaxRetryAttempts = 3,
        BaseDelay = TimeSpan.FromMilliseconds(1),
        MaxDelay = TimeSpan.FromMilliseconds(5),
        BreakerMinimumThroughput = 4,
        BreakerBreakDuration = TimeSpan.FromMilliseconds(500),
    };

    private static DatabaseResilience Create(ResilienceOptions? options = null) =>
        new(options ?? Fast, NullLogger<DatabaseResilience>.Instance);

    private static PostgresException Postgres(string sqlState, string severity = "ERROR") => new("forced", severity, severity, sqlState);

    private static NpgsqlException ConnectionLost() => new("Exception while reading from stream", new EndOfStreamException());

    [TestCase("40001", DatabaseFault.Contention)]
    [TestCase("40P01", DatabaseFault.Contention)]
    [TestCase("57P01", DatabaseFault.Unavailable)]
    [TestCase("08006", DatabaseFault.Unavailable)]
    [TestCase("57014", DatabaseFault.None)]
    [TestCase("23505", DatabaseFault.None)]
    public void Server_errors_are_classified_by_SQLSTATE(string sqlState, DatabaseFault expected) =>
        Assert.That(DatabaseFaults.Classify(Postgres(sqlState)), Is.EqualTo(expected));

    [Test]
    public void A_broken_connection_is_unavailable_and_during_commit_its_outcome_is_unknown()
    {
        Assert.Multiple(() =>
        {
            Assert.That(DatabaseFaults.Classify(ConnectionLost()), Is.EqualTo(DatabaseFault.Unavailable));
            Assert.That(DatabaseFaults.Classify(new CommitOutcomeUnknownException(ConnectionLost())), Is.EqualTo(DatabaseFault.CommitOutcomeUnknown));
            Assert.That(DatabaseFaults.IsConnectionLoss(Postgres("40001")), Is.False, "a serialization failure at COMMIT is a certain rollback");
            Assert.That(DatabaseFaults.IsConnectionLoss(Postgres("57P01", "FATAL")), Is.True);
        });
    }

    [Test]
    public async Task Contention_is_retried_with_the_whole_unit_until_it_succeeds()
    {
        var attempts = new TransactionAttempts();
        var result = await Create().ExecuteAsync((attempt, _) =>
            attempt < 3 ? throw Postgres(attempt == 1 ? "40001" : "40P01") : ValueTask.FromResult(attempt), attempts, CancellationToken.None);
        Assert.That((result, attempts.Count), Is.EqualTo((3, 3)));
    }

    [Test]
    public async Task A_lost_commit_is_retried_only_when_the_attempt_marked_itself_replayable()
    {
        var plain = new TransactionAttempts();
        Assert.That(await Assert.ThrowsAsync<CommitOutcomeUnknownException>(async () =>
            await Create().ExecuteAsync<int>((_, _) => throw new CommitOutcomeUnknownException(ConnectionLost()), plain, CancellationToken.None)), Is.Not.Null);
        Assert.That(plain.Count, Is.EqualTo(1));

        var keyed = new TransactionAttempts();
        var result = await Create().ExecuteAsync((attempt, _) =>
        {
            keyed.CommitReplayable = true; // the idempotency filter claimed its key in this attempt
            return attempt == 1 ? throw new CommitOutcomeUnknownException(ConnectionLost()) : ValueTask.FromResult("replayed");
        }, keyed, CancellationToken.None);
        Assert.That((result, keyed.Count), Is.EqualTo(("replayed", 2)));
    }

    [Test]
    public async Task Errors_that_are_not_transient_are_not_retried()
    {
        var attempts = new TransactionAttempts();
        await Assert.ThrowsAsync<PostgresException>(async () =>
            await Create().ExecuteAsync<int>((_, _) => throw Postgres("23505"), attempts, CancellationToken.None));
        Assert.That(attempts.Count, Is.EqualTo(1));
    }

    [Test]
    public async Task No_retry_starts_once_the_retry_time_budget_is_spent()
    {
        var options = new ResilienceOptions
        {
            MaxRetryAttempts = 20, BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(1),
            MaxRetryDuration = TimeSpan.FromMilliseconds(50)
        };
        var attempts = new TransactionAttempts();
        await Assert.ThrowsAsync<PostgresException>(async () => await Create(options).ExecuteAsync<int>(async (_, _) =>
        {
            await Task.Delay(60); // longer than the whole budget: whatever the machine's speed, no retry may start after it
            throw Postgres("40001");
        }, attempts, CancellationToken.None));
        Assert.That(attempts.Count, Is.EqualTo(1));
    }

    [Test]
    public async Task The_breaker_opens_on_an_unreachable_database_and_closes_by_itself_when_it_answers_again()
    {
        var resilience = Create(new ResilienceOptions { MaxRetryAttempts = 0, BreakerMinimumThroughput = 4, BreakerBreakDuration = TimeSpan.FromMilliseconds(500) });
        for (var i = 0; i < 4; i++)
        {
            await Assert.ThrowsAsync<NpgsqlException>(async () =>
                await resilience.ExecuteAsync<int>((_, _) => throw ConnectionLost(), new TransactionAttempts(), CancellationToken.None));
        }

        Assert.That(resilience.BreakerState, Is.EqualTo(CircuitState.Open));
        var calls = 0;
        var refused = await Assert.ThrowsAsync<BrokenCircuitException>(async () =>
            await resilience.ExecuteAsync((_, _) => ValueTask.FromResult(++calls), new TransactionAttempts(), CancellationToken.None));
        Assert.Multiple(() =>
        {
            Assert.That(calls, Is.Zero, "an open breaker does not touch the database");
            Assert.That(refused!.RetryAfter, Is.Not.Null);
        });

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (resilience.BreakerState != CircuitState.Closed && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
            try
            {
                await resilience.ExecuteAsync((_, _) => ValueTask.FromResult(++calls), new TransactionAttempts(), CancellationToken.None);
            }
            catch (BrokenCircuitException)
            {
            }
        }

        Assert.That(resilience.BreakerState, Is.EqualTo(CircuitState.Closed));
    }

    [Test]
    public async Task Each_retry_is_a_span_naming_the_attempt_and_the_failure_it_follows()
    {
        var spans = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == Telemetry.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                lock (spans)
                {
                    spans.Add(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);

        await Create().ExecuteAsync((attempt, _) => attempt < 3 ? throw Postgres("40001") : ValueTask.FromResult(0), new TransactionAttempts(),
            CancellationToken.None);

        List<Activity> retries;
        lock (spans)
        {
            retries = spans.Where(s => s.OperationName == "db.transaction.retry").ToList();
        }

        Assert.That(retries.Select(s => (s.GetTagItem("cms.db.attempt"), s.GetTagItem("cms.db.retry_reason"), s.Status)),
            Is.EqualTo(new[] { ((object?)2, (object?)"40001", ActivityStatusCode.Error), (3, "40001", ActivityStatusCode.Unset) }));
    }

    [Test]
    public async Task The_breaker_state_gauge_reports_an_open_breaker()
    {
        var resilience = Create(new ResilienceOptions { MaxRetryAttempts = 0, BreakerMinimumThroughput = 2, BreakerBreakDuration = TimeSpan.FromSeconds(30) });
        for (var i = 0; i < 2; i++)
        {
            await Assert.ThrowsAsync<NpgsqlException>(async () =>
                await resilience.ExecuteAsync<int>((_, _) => throw ConnectionLost(), new TransactionAttempts(), CancellationToken.None));
        }

        var observed = -1;
        using var meters = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == Telemetry.MeterName && instrument.Name == "cms.db.circuit_breaker.state")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        meters.SetMeasurementEventCallback<int>((_, value, _, _) => observed = Math.Max(observed, value));
        meters.Start();
        meters.RecordObservableInstruments();

        Assert.Multiple(() =>
        {
            Assert.That(resilience.BreakerState, Is.EqualTo(CircuitState.Open));
            Assert.That(observed, Is.EqualTo(2), "2 = open");
        });
        GC.KeepAlive(resilience);
    }

    [Test]
    public async Task Contention_never_opens_the_breaker()
    {
        var resilience = Create(new ResilienceOptions { MaxRetryAttempts = 0, BreakerMinimumThroughput = 2 });
        for (var i = 0; i < 10; i++)
        {
            await Assert.ThrowsAsync<PostgresException>(async () =>
                await resilience.ExecuteAsync<int>((_, _) => throw Postgres("40P01"), new TransactionAttempts(), CancellationToken.None));
        }

        Assert.That(resilience.BreakerState, Is.EqualTo(CircuitState.Closed));
    }
}
