using System.Net;
using System.Net.Http.Json;
using Cms.Application.Audit.VerifyAuditChain;
using Cms.Application.Consumers;
using Cms.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Cms.Tests.Reliability;

/// <summary>
/// High availability with stock tools (docs/operations.md, "Failover and switchover"): the service runs against a
/// Patroni pair (a primary and a synchronous standby, etcd, deploy/patroni/patroni.yml) through an Npgsql multi-host
/// connection string (<c>Target Session Attributes=primary</c> for writes, <c>prefer-standby</c> for the read side),
/// with the resilience settings deploy/ gives such a pair. A client files complaints with Idempotency-Keys and repeats after a 503 or a
/// transport error as docs/reliability.md tells callers; meanwhile the primary's postmaster is killed (kill -9) or an
/// operator switches over with patronictl. Each test prints the longest time without a 2xx.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class PatroniFailoverTests
{
    private const int Filings = 160;
    private const int Concurrency = 8;

    private PatroniCluster? _cluster;
    private CmsApiFactory? _factory;
    private string _database = "";

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _cluster = await PatroniCluster.StartAsync();
        var leader = await _cluster.WaitHealthyAsync();
        var db = await PostgresTestDatabase.CreateAsync(PatroniCluster.Admin(leader)); // roles.sql and the migrations, on the primary
        _database = db.DatabaseName;
        var app = new NpgsqlConnectionStringBuilder(db.AppConnectionString) { Host = _cluster.Hosts, Port = 5432 };
        _factory = new CmsApiFactory(db, new Dictionary<string, string>
        {
            ["Cms:Database:ConnectionString"] = new NpgsqlConnectionStringBuilder(app.ConnectionString) { TargetSessionAttributes = "primary" }.ConnectionString,
            ["Cms:Database:ReadConnectionString"] = new NpgsqlConnectionStringBuilder(app.ConnectionString) { TargetSessionAttributes = "prefer-standby" }.ConnectionString,
            // As deploy/ sets it for a Patroni pair (docs/operations.md): 8 retries fill the 10 s MaxRetryDuration, so a
            // request in flight rides out a switchover (with the default 4, about 1.5 s of retries: 8 answers 503
            // database.unavailable in a ~2 s switchover here).
            ["Cms:Resilience:MaxRetryAttempts"] = "8",
        });
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (_factory is not null)
        {
            await _factory.DisposeAsync();
        }

        if (_cluster is not null)
        {
            await _cluster.DisposeAsync(); // the database goes with the cluster's directory
        }
    }

    [Test]
    public async Task The_primary_killed_during_a_keyed_filing_load_loses_nothing_duplicates_nothing_and_the_service_recovers_by_itself()
    {
        var cluster = _cluster!;
        var leader = await cluster.WaitHealthyAsync();
        var standby = cluster.Nodes.Single(n => n != leader);
        var tenant = await NewTenantAsync();
        var burst = new FilingBurst(() => tenant.Admin, tenant.Consumer.Id);

        var running = burst.RunAsync(Filings, Concurrency, TimeSpan.FromSeconds(90));
        await UntilSentAsync(burst, running);
        var postmaster = PatroniCluster.PostmasterPid(leader);
        var fault = burst.Clock.Elapsed;
        Assert.That(OwnedProcess.Signal(postmaster, "KILL"), Is.True, "kill -9 of the primary's postmaster");
        await running;

        var promoted = await cluster.WaitHealthyAsync(); // and the old primary back as the synchronous standby
        Assert.That(promoted, Is.EqualTo(standby), $"Patroni promoted the synchronous standby\n{cluster.LogTails()}");
        var without2xx = Report(burst, fault, $"kill -9 of the primary's postmaster (pid {postmaster})");
        Assert.That(burst.Acknowledged.Count - AcknowledgedBefore(burst, fault), Is.GreaterThan(0), "filings went on after the kill");
        // Recovered by itself: every filing got its 2xx within the client's deadline, nobody touched the service.
        await AssertExactlyOnceAndChainVerifiesAsync(burst, tenant);
        Assert.That(without2xx, Is.GreaterThan(TimeSpan.Zero));
    }

    [Test]
    public async Task A_planned_switchover_during_a_keyed_filing_load_answers_no_5xx_beyond_the_retry_budget()
    {
        var cluster = _cluster!;
        var leader = await cluster.WaitHealthyAsync();
        var candidate = cluster.Nodes.Single(n => n != leader);
        var tenant = await NewTenantAsync();
        var burst = new FilingBurst(() => tenant.Admin, tenant.Consumer.Id);

        var running = burst.RunAsync(Filings, Concurrency, TimeSpan.FromSeconds(90));
        await UntilSentAsync(burst, running);
        var fault = burst.Clock.Elapsed;
        await cluster.SwitchoverAsync(leader, candidate);
        await running;

        Assert.That(await cluster.WaitHealthyAsync(), Is.EqualTo(candidate), $"the candidate leads after the switchover\n{cluster.LogTails()}");
        Report(burst, fault, "patronictl switchover");

        // No request ran out of the service's retry budget (no 503 database.unavailable); an open breaker's refusal
        // (database.circuit_open, Retry-After) is the breaker's and counted in the report. Every other answer but 2xx and
        // 409 is "unexpected" (a 500, a 503 without Retry-After): none. Each filing got its 2xx within the client's
        // retry budget (the burst's deadline): none unresolved.
        Assert.That(burst.UnavailableCodes, Has.None.EqualTo("database.unavailable"), "requests that ran out of the retry budget");
        await AssertExactlyOnceAndChainVerifiesAsync(burst, tenant);
    }

    private sealed record Tenant(Guid Id, HttpClient Admin, HttpClient Auditor, ConsumerDto Consumer);

    private async Task<Tenant> NewTenantAsync()
    {
        var (id, admin) = await DatabaseOutageTests.CreateTenantAsync(_factory!);
        var subject = $"auditor-{Guid.NewGuid():N}";
        using var staff = await admin.PostAsJsonAsync("/v1/staff", new
        {
            subject,
            email = $"{subject}@example.test",
            displayName = "Auditor",
            roles = new[] { "auditor" },
            kind = "user",
        });
        await ApiTestBase.Expect(staff, HttpStatusCode.Created);
        return new Tenant(id, admin, _factory!.ClientWithToken(CmsApiFactory.TenantToken(id, subject)), await DatabaseOutageTests.Register(admin));
    }

    /// <summary>The fault lands mid-burst: a quarter of the filings sent, bounded.</summary>
    private static async Task UntilSentAsync(FilingBurst burst, Task running)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (burst.Sent < Filings / 4 && !running.IsCompleted && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        Assert.That(running.IsCompleted, Is.False, "the burst ended before the fault: it would prove nothing");
    }

    private static int AcknowledgedBefore(FilingBurst burst, TimeSpan fault) => burst.AcknowledgedAt.Count(t => t < fault);

    /// <summary>Prints (and returns) the longest time without a 2xx from the fault on, with the 503s and their spread.</summary>
    private static TimeSpan Report(FilingBurst burst, TimeSpan fault, string what)
    {
        var without2xx = burst.LongestWithout2xx(fault);
        var unavailable = burst.UnavailableAt.Where(t => t >= fault).Order().ToList();
        var spread = unavailable.Count == 0
            ? ""
            : FormattableString.Invariant($"(from +{(unavailable[0] - fault).TotalSeconds:F2} s to +{(unavailable[^1] - fault).TotalSeconds:F2} s) ");
        var line = FormattableString.Invariant(
            $"[HA] {what}: longest time without a 2xx {without2xx.TotalSeconds:F2} s; {Filings} keyed filings, {Concurrency} clients, ") +
            FormattableString.Invariant($"{AcknowledgedBefore(burst, fault)} acknowledged before the fault; {unavailable.Count} answers 503 {spread}") +
            (burst.UnavailableCodes.IsEmpty ? "" : "[" + string.Join(", ", burst.UnavailableCodes.CountBy(c => c).Select(c => $"{c.Key} x{c.Value}")) + "] ") +
            FormattableString.Invariant($"and {burst.TransportErrors} transport errors, repeated by the client with the same key");
        TestContext.Progress.WriteLine(line);
        TestContext.Out.WriteLine(line);
        return without2xx;
    }

    private async Task AssertExactlyOnceAndChainVerifiesAsync(FilingBurst burst, Tenant tenant)
    {
        var primary = new NpgsqlConnectionStringBuilder
        {
            Host = _cluster!.Hosts,
            Username = "postgres",
            Password = PatroniCluster.SuperuserPassword,
            Database = _database,
            TargetSessionAttributes = "primary",
            Pooling = false,
            Timeout = 5,
        };
        await burst.AssertExactlyOnceAsync(primary.ConnectionString, tenant.Id);

        await _factory!.Services.GetRequiredService<Cms.Infrastructure.Audit.ChangeSealer>().SealAsync(tenant.Id, waitForTurn: true, CancellationToken.None);
        var verification = await ApiTestBase.Read<AuditVerificationDto>(await tenant.Auditor.GetAsync("/v1/audit/verify"));
        Assert.That(verification.Valid, Is.True, $"the audit chain verifies: {verification.Problem}");
        Assert.That(verification.EntriesChecked, Is.GreaterThanOrEqualTo(burst.Acknowledged.Count));

        // The read side (prefer-standby) answers after the change of roles too.
        using var read = await tenant.Admin.GetAsync("/v1/complaints?limit=1");
        Assert.That(read.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }
}
