using System.Net;
using System.Net.Http.Json;
using Cms.Infrastructure.Resilience;
using Cms.Tests.Application.Fakes;
using Cms.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Polly.CircuitBreaker;

namespace Cms.Tests.Reliability;

/// <summary>
/// Once the database answers again after an outage, every request and every readiness poll succeeds: no request is
/// refused by a breaker that is still open or half-open, and no poll fails on a pooled connection that died with the
/// outage. "Answers" is measured from outside the service: a fresh connection of the test's own succeeds.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class RecoveryWithoutFlapTests : PrivateClusterFixture
{
    /// <summary>A long break, so that a breaker left to itself would refuse requests long after the database is back.</summary>
    private static readonly Dictionary<string, string> LongBreak = new()
    {
        ["Cms:Resilience:MaxRetryAttempts"] = "1",
        ["Cms:Resilience:MaxRetryDuration"] = "00:00:01",
        ["Cms:Resilience:BreakerMinimumThroughput"] = "2",
        ["Cms:Resilience:BreakerSamplingDuration"] = "00:00:10",
        ["Cms:Resilience:BreakerBreakDuration"] = "00:00:30",
    };

    [TearDown]
    public void EnsureRunning()
    {
        if (!Server.IsRunning)
        {
            Server.Start();
        }
    }

    [Test]
    public async Task Once_the_database_answers_no_request_is_refused_by_the_open_or_half_open_breaker()
    {
        await using var factory = new CmsApiFactory(Db, LongBreak);
        var (_, admin) = await DatabaseOutageTests.CreateTenantAsync(factory);
        var breaker = factory.Services.GetRequiredService<DatabaseResilience>();

        Server.Stop();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (breaker.BreakerState != CircuitState.Open)
        {
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), "the breaker never opened");
            using var refused = await admin.GetAsync("/v1/complaints");
            Assert.That((int)refused.StatusCode, Is.EqualTo(503));
        }

        Server.Start();
        await AssertDatabaseAnswersAsync();

        // Concurrent callers from the moment the database answers, well inside the 30 s break.
        var failures = new List<string>();
        var answered = 0;
        await Task.WhenAll(Enumerable.Range(0, 6).Select(async _ =>
        {
            for (var i = 0; i < 15; i++)
            {
                using var response = await admin.GetAsync("/v1/complaints");
                lock (failures)
                {
                    answered++;
                    if (response.StatusCode != HttpStatusCode.OK)
                    {
                        failures.Add($"{(int)response.StatusCode} {response.Content.ReadAsStringAsync().Result}");
                    }
                }
            }
        }));

        Assert.That(answered, Is.EqualTo(90));
        Assert.That(failures, Is.Empty, "requests failed after the database answered again");
        Assert.That(breaker.BreakerState, Is.EqualTo(CircuitState.Closed));
    }

    [Test]
    public async Task Once_the_database_answers_no_readiness_poll_fails_on_a_connection_from_before_the_outage()
    {
        // The service's clock is the test's, so that the migration check's one-minute answer can be made to expire.
        var clock = new SettableTimeProvider(DateTimeOffset.UtcNow);
        await using var service = new CmsApiFactory(Db, LongBreak);
        await using var factory = service.WithWebHostBuilder(b => b.ConfigureServices(s => s.AddSingleton<TimeProvider>(clock)));
        using var platform = factory.CreateClient();
        platform.DefaultRequestHeaders.Authorization = new("Bearer", CmsApiFactory.PlatformToken());
        var subject = $"admin-{Guid.NewGuid():N}";
        var tenant = await ApiTestBase.Read<Cms.Application.Tenants.TenantDto>(
            await platform.PostAsJsonAsync("/v1/tenants", DatabaseOutageTests.TenantBody(subject)), HttpStatusCode.Created);
        using var admin = factory.CreateClient();
        admin.DefaultRequestHeaders.Authorization = new("Bearer", CmsApiFactory.TenantToken(tenant.Id, subject));
        using var anonymous = factory.CreateClient();

        // Several idle connections in the pool, then an outage that ends every one of them.
        await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
        {
            using var response = await admin.GetAsync("/v1/complaints");
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }));
        Assert.That((await anonymous.GetAsync("/health/ready")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Server.Stop();
        for (var i = 0; i < 3; i++)
        {
            Assert.That((await anonymous.GetAsync("/health/ready")).StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), "unready while down");
        }

        Server.Start();
        await AssertDatabaseAnswersAsync();
        clock.Advance(TimeSpan.FromMinutes(2)); // every cached readiness answer is due again

        var polls = new List<HttpStatusCode>();
        for (var i = 0; i < 12; i++)
        {
            polls.Add((await anonymous.GetAsync("/health/ready")).StatusCode);
        }

        Assert.That(polls, Has.All.EqualTo(HttpStatusCode.OK), string.Join(", ", polls));
    }

    /// <summary>The database answers a fresh connection of the test's own (not the service's pool).</summary>
    private async Task AssertDatabaseAnswersAsync()
    {
        var fresh = new NpgsqlConnectionStringBuilder(Db.AdminConnectionString) { Pooling = false }.ConnectionString;
        await using var connection = await Connections.OpenAsync(fresh);
        await using var command = new NpgsqlCommand("SELECT 1", connection);
        Assert.That(await command.ExecuteScalarAsync(), Is.EqualTo(1));
    }
}
