using System.Diagnostics.Metrics;
using System.Net;
using Cms.Application.Common;
using Cms.Application.Complaints;
using Cms.Tests.Api;
using Cms.Tests.Support;
using Npgsql;

namespace Cms.Tests.Reliability;

/// <summary>
/// Transient faults on the real PostgreSQL of the test command, through the service in memory: serialization failures
/// and deadlocks raised by the server are retried to success (the whole transaction again), and a burst of idempotent
/// filings while the test keeps terminating the service's backends (pg_terminate_backend) ends with every acknowledged
/// complaint stored exactly once with its audit entry and nothing else. None of this stops the shared server.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class TransientFaultTests() : ApiTestBase(DatabaseKind.Postgres)
{
    private PostgresTestDatabase Pg => (PostgresTestDatabase)Db;

    protected override IReadOnlyDictionary<string, string>? Settings => new Dictionary<string, string>
    {
        ["Cms:Resilience:BreakerBreakDuration"] = "00:00:01",
        ["Cms:Import:BatchSize"] = "100",
    };

    [TearDown]
    public async Task DropFaultTriggersAsync() => await AdminAsync("""
        DROP TRIGGER IF EXISTS cms_test_fault ON complaints;
        DROP TRIGGER IF EXISTS cms_test_fault ON consumers;
        DROP FUNCTION IF EXISTS cms_test_fault();
        DROP SEQUENCE IF EXISTS cms_test_fault_seq;
        """);

    [Test]
    public async Task Serialization_failures_are_retried_with_the_whole_transaction_until_it_commits()
    {
        var tenant = await CreateTenantAsync();
        var consumer = await tenant.RegisterConsumerAsync();

        // The server refuses the first two attempts' INSERT with SQLSTATE 40001, as it does for a serializable conflict.
        await AdminAsync("""
            CREATE SEQUENCE cms_test_fault_seq;
            CREATE FUNCTION cms_test_fault() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
            BEGIN
                IF nextval('cms_test_fault_seq') <= 2 THEN
                    RAISE EXCEPTION 'forced serialization failure' USING ERRCODE = 'serialization_failure';
                END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER cms_test_fault BEFORE INSERT ON complaints FOR EACH ROW EXECUTE FUNCTION cms_test_fault();
            """);

        using var retries = new RetryCounter();
        var complaint = await Read<ComplaintDto>(await Idempotent.PostAsync(tenant.Admin, "/v1/complaints", Idempotent.Complaint(consumer.Id), null),
            HttpStatusCode.Created);

        Assert.Multiple(async () =>
        {
            Assert.That(retries.For("40001"), Is.EqualTo(2), "two retries after two serialization failures");
            Assert.That(await CountAsync("SELECT count(*) FROM complaints"), Is.EqualTo(1));
            Assert.That(await CountAsync($"SELECT count(*) FROM audit_entries WHERE action = 'complaint.filed' AND entity_id = '{complaint.Id}'"),
                Is.EqualTo(1));
        });
    }

    [Test]
    public async Task A_serialization_failure_in_the_middle_of_an_import_retries_that_batch_and_loads_every_line_once()
    {
        var tenant = await CreateTenantAsync();

        // The 151st consumer row the server is asked to insert (the second batch of 100, its 51st line) is refused once
        // with 40001: the second batch's transaction rolls back after the first batch has committed and while the
        // reader is ahead in the body. Retrying the request would re-run the endpoint on a stream read half-way.
        await AdminAsync("""
            CREATE SEQUENCE cms_test_fault_seq;
            CREATE FUNCTION cms_test_fault() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
            BEGIN
                IF nextval('cms_test_fault_seq') = 151 THEN
                    RAISE EXCEPTION 'forced serialization failure' USING ERRCODE = 'serialization_failure';
                END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER cms_test_fault BEFORE INSERT ON consumers FOR EACH ROW EXECUTE FUNCTION cms_test_fault();
            """);

        const int lines = 250;
        var body = string.Concat(Enumerable.Range(1, lines).Select(i =>
            $$$"""{"externalRef":"IMP-{{{i:D4}}}","fullName":"Ann Example","email":"ann{{{i}}}@example.test"}""" + "\n"));
        using var retries = new RetryCounter();
        var report = await Read<Cms.Api.Import.ConsumerImportReport>(await tenant.Admin.PostAsync("/v1/consumers/imports",
            new StringContent(body, System.Text.Encoding.UTF8, "application/x-ndjson")));

        Assert.Multiple(async () =>
        {
            Assert.That(retries.For("40001"), Is.EqualTo(1), "the failed batch was retried once");
            Assert.That(await CountAsync("SELECT last_value FROM cms_test_fault_seq"), Is.EqualTo(lines + 51),
                "the second batch's first attempt stopped at its 51st row; every row was then inserted once");
            Assert.That((report.Lines, report.Imported, report.Duplicates, report.Rejected), Is.EqualTo((250L, 250L, 0L, 0L)));
            Assert.That(await CountAsync($"SELECT count(*) FROM consumers WHERE tenant_id = '{tenant.Id}'"), Is.EqualTo(lines));
            Assert.That(await CountAsync($"SELECT count(DISTINCT external_ref_bidx) FROM consumers WHERE tenant_id = '{tenant.Id}'"),
                Is.EqualTo(lines));
            Assert.That(await CountAsync(
                    $"SELECT count(*) FROM audit_entries WHERE action = 'consumer.imported' AND entity_id = '{report.ImportId}'"),
                Is.EqualTo(3), "one audit entry per committed batch (100, 100, 50), none for the rolled-back attempt");
            Assert.That(await CountAsync("SELECT count(*) FROM audit_entries WHERE action = 'consumer.imported'"), Is.EqualTo(3),
                "no other import ran");
        });
    }

    [Test]
    public async Task A_deadlock_the_server_breaks_is_retried_until_the_filing_commits()
    {
        var tenant = await CreateTenantAsync();
        var consumer = await tenant.RegisterConsumerAsync();

        // A real deadlock: the filing's first attempt takes advisory lock (4242,1) then waits for (4242,2), which the test
        // holds while it waits for (4242,1). The service's backend checks for deadlocks first (deadlock_timeout 1 s against
        // the test's 60 s), so the server aborts the filing's transaction with 40P01.
        await AdminAsync("""
            CREATE SEQUENCE cms_test_fault_seq;
            CREATE FUNCTION cms_test_fault() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
            BEGIN
                IF nextval('cms_test_fault_seq') = 1 THEN
                    PERFORM pg_advisory_xact_lock(4242, 1);
                    PERFORM pg_advisory_xact_lock(4242, 2);
                END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER cms_test_fault BEFORE INSERT ON complaints FOR EACH ROW EXECUTE FUNCTION cms_test_fault();
            """);

        await using var holder = await Pg.OpenAdminAsync();
        await ExecuteAsync(holder, "SET deadlock_timeout = '60s'; SELECT pg_advisory_lock(4242, 2)");

        using var retries = new RetryCounter();
        var filing = Idempotent.PostAsync(tenant.Admin, "/v1/complaints", Idempotent.Complaint(consumer.Id), null);

        // Wait (bounded) until the filing holds (4242,1) and waits for (4242,2), then close the cycle.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await CountAsync("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = 4242 AND objid = 2 AND NOT granted") == 0)
        {
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), "the filing never waited for the test's lock");
            await Task.Delay(20);
        }

        await ExecuteAsync(holder, "SELECT pg_advisory_lock(4242, 1)"); // returns once the server has broken the deadlock
        await ExecuteAsync(holder, "SELECT pg_advisory_unlock_all()");

        var complaint = await Read<ComplaintDto>(await filing, HttpStatusCode.Created);
        Assert.Multiple(async () =>
        {
            Assert.That(retries.For("40P01"), Is.EqualTo(1), "one retry after the deadlock");
            Assert.That(await CountAsync("SELECT count(*) FROM complaints"), Is.EqualTo(1));
            Assert.That(await CountAsync($"SELECT count(*) FROM audit_entries WHERE action = 'complaint.filed' AND entity_id = '{complaint.Id}'"),
                Is.EqualTo(1));
        });
    }

    private async Task AdminAsync(string sql)
    {
        await using var connection = await Pg.OpenAdminAsync();
        await ExecuteAsync(connection, sql);
    }

    private Task<long> CountAsync(string sql) => Idempotent.CountAsync(Db, sql);

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}

/// <summary>
/// pg_terminate_backend of every backend of the service, in rounds, while a burst of idempotent filings runs (its own
/// fixture, so that a breaker it opens never meets another test).
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class BackendTerminationTests() : ApiTestBase(DatabaseKind.Postgres)
{
    private PostgresTestDatabase Pg => (PostgresTestDatabase)Db;

    protected override IReadOnlyDictionary<string, string>? Settings => new Dictionary<string, string>
    {
        ["Cms:Resilience:BreakerBreakDuration"] = "00:00:01",
    };

    [Test]
    public async Task Backends_terminated_during_a_burst_of_idempotent_filings_lose_nothing_and_duplicate_nothing()
    {
        var tenant = await CreateTenantAsync();
        var consumer = await tenant.RegisterConsumerAsync();
        var (_, integration) = await tenant.AddStaffAsync(global::Cms.Domain.Staff.Role.Integration);
        var burst = new FilingBurst(() => integration, consumer.Id);

        using var retries = new RetryCounter();
        using var stop = new CancellationTokenSource();
        var terminated = 0;
        var killer = Task.Run(async () =>
        {
            await using var admin = await Pg.OpenAdminAsync();
            while (burst.Sent < 4 && !stop.IsCancellationRequested)
            {
                await Task.Delay(5);
            }

            // A bounded series of terminations while the burst runs; then the database stays up and the burst must finish.
            for (var round = 0; round < 12 && !stop.IsCancellationRequested; round++)
            {
                // Every backend of the service in this database, whatever it is doing (idle, in a statement, in COMMIT).
                await using var kill = new NpgsqlCommand(
                    "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() " +
                    "AND usename = 'cms_app' AND pid <> pg_backend_pid()) t", admin);
                terminated += Convert.ToInt32(await kill.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
                await Task.Delay(Random.Shared.Next(100, 300));
            }
        });

        try
        {
            await burst.RunAsync(count: 60, concurrency: 8, deadline: TimeSpan.FromSeconds(90));
        }
        finally
        {
            await stop.CancelAsync();
            await killer;
        }

        Assert.That(terminated, Is.GreaterThan(0), "the test terminated no backend: it proved nothing");
        Assert.That(retries.Total, Is.GreaterThan(0), "no transaction was retried: the faults did not reach the service");
        await burst.AssertExactlyOnceAsync(Pg);
    }
}

/// <summary>Counts cms.db.transaction.retries (by reason) recorded while it lives.</summary>
internal sealed class RetryCounter : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly Dictionary<string, long> _byReason = [];

    public RetryCounter()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == Telemetry.MeterName && instrument.Name == "cms.db.transaction.retries")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            var reason = "";
            foreach (var tag in tags)
            {
                if (tag.Key == "cms.db.retry_reason")
                {
                    reason = tag.Value as string ?? "";
                }
            }

            lock (_byReason)
            {
                _byReason[reason] = _byReason.GetValueOrDefault(reason) + value;
            }
        });
        _listener.Start();
    }

    public long For(string reason)
    {
        lock (_byReason)
        {
            return _byReason.GetValueOrDefault(reason);
        }
    }

    public long Total
    {
        get
        {
            lock (_byReason)
            {
                return _byReason.Values.Sum();
            }
        }
    }

    public void Dispose() => _listener.Dispose();
}
