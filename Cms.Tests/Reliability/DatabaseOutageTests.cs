using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Cms.Application.Consumers;
using Cms.Application.Tenants;
using Cms.Infrastructure.Resilience;
using Cms.Tests.Api;
using Cms.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Polly.CircuitBreaker;

namespace Cms.Tests.Reliability;

/// <summary>
/// The database goes away and comes back, on a PostgreSQL cluster of this fixture's own (the shared test server is never
/// stopped): a restart in the middle of a burst of idempotent filings loses and duplicates nothing; while the database
/// is down the breaker answers 503 problem+json with Retry-After and readiness is unhealthy; the service started with
/// the database down serves as soon as it is back, without a restart.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class DatabaseOutageTests : PrivateClusterFixture
{
    private static readonly Dictionary<string, string> FastBreaker = new()
    {
        ["Cms:Resilience:MaxRetryAttempts"] = "2",
        ["Cms:Resilience:MaxRetryDuration"] = "00:00:01",
        ["Cms:Resilience:BreakerMinimumThroughput"] = "2",
        ["Cms:Resilience:BreakerSamplingDuration"] = "00:00:10",
        ["Cms:Resilience:BreakerBreakDuration"] = "00:00:01",
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
    public async Task A_server_restart_during_a_burst_of_idempotent_filings_loses_nothing_and_duplicates_nothing()
    {
        await using var factory = new CmsApiFactory(Db, new Dictionary<string, string> { ["Cms:Resilience:BreakerBreakDuration"] = "00:00:01" });
        var (tenant, admin) = await CreateTenantAsync(factory);
        var consumer = await Register(admin);
        var burst = new FilingBurst(() => admin, consumer.Id);
        using var retries = new RetryCounter();

        var running = burst.RunAsync(count: 80, concurrency: 8, deadline: TimeSpan.FromSeconds(120));
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (burst.Sent < 20 && !running.IsCompleted && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        var acknowledgedBefore = burst.Acknowledged.Count;
        await Task.Run(Server.Restart); // fast shutdown: every session is terminated, open transactions roll back
        await running;

        Assert.That(acknowledgedBefore, Is.LessThan(80), "the restart came after the burst: it proved nothing");
        Assert.That(retries.Total + burst.ServiceUnavailable, Is.GreaterThan(0), "the restart never reached the service");
        await burst.AssertExactlyOnceAsync(Db);
        Assert.That(tenant, Is.Not.EqualTo(Guid.Empty));
    }

    [Test]
    public async Task While_the_database_is_down_the_breaker_opens_answers_503_circuit_open_with_Retry_After_and_closes_by_itself_when_it_is_back()
    {
        await using var factory = new CmsApiFactory(Db, FastBreaker);
        var (_, admin) = await CreateTenantAsync(factory);
        using var anonymous = factory.CreateClient();
        var breaker = factory.Services.GetRequiredService<DatabaseResilience>();
        using var metrics = new BreakerMetrics();
        Assert.That(breaker.BreakerState, Is.EqualTo(CircuitState.Closed));

        // Attempts fail (database.unavailable once the retries are used up) until the breaker has seen enough
        // unreachable attempts; from then on requests are refused at once without trying (database.circuit_open).
        Server.Stop();
        HttpResponseMessage? refused = null;
        var codes = new List<string?>();
        for (var i = 0; i < 20 && refused is null; i++)
        {
            var response = await admin.GetAsync("/v1/complaints");
            var body = await response.Content.ReadAsStringAsync();
            Assert.That((int)response.StatusCode, Is.EqualTo(503), body);
            codes.Add(ProblemCode(body));
            Assert.That(codes[^1], Is.AnyOf("database.unavailable", "database.circuit_open"), body);
            if (codes[^1] == "database.circuit_open")
            {
                refused = response;
            }
        }

        Assert.That(refused, Is.Not.Null, $"the breaker never opened: {string.Join(", ", codes)}");
        Assert.Multiple(async () =>
        {
            Assert.That(breaker.BreakerState, Is.EqualTo(CircuitState.Open), "the refusal came from an open breaker");
            Assert.That(metrics.Gauge(), Is.EqualTo(2), "cms.db.circuit_breaker.state reports open");
            Assert.That(metrics.Rejected, Is.GreaterThanOrEqualTo(1), "cms.db.circuit_breaker.rejected counted the refusal");
            Assert.That(metrics.Entered("open"), Is.EqualTo(1));
            Assert.That(refused!.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
            Assert.That(refused.Headers.RetryAfter?.Delta, Is.GreaterThanOrEqualTo(TimeSpan.FromSeconds(1)));
            Assert.That((await anonymous.GetAsync("/health/ready")).StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
            Assert.That((await anonymous.GetAsync("/health/live")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        });

        // The database is back; nothing but ordinary requests reach the service: the first one the breaker refuses finds
        // the database answering through the recovery probe and closes the breaker (RecoveryWithoutFlapTests).
        Server.Start();
        await EventuallyAsync(async () => (await admin.GetAsync("/v1/complaints")).StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(30),
            "the service did not serve again after the database came back");
        Assert.Multiple(async () =>
        {
            Assert.That(breaker.BreakerState, Is.EqualTo(CircuitState.Closed), "the breaker closed by itself");
            Assert.That(metrics.Entered("closed"), Is.EqualTo(1));
            Assert.That((await admin.GetAsync("/v1/complaints")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That((await anonymous.GetAsync("/health/ready")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        });
    }

    [Test]
    public async Task Started_with_the_database_down_the_service_is_unready_and_serves_as_soon_as_the_database_is_back()
    {
        Server.Stop();
        await using var factory = new CmsApiFactory(Db, FastBreaker);
        using var anonymous = factory.CreateClient(); // starts the host with the database down
        using var platform = factory.ClientWithToken(CmsApiFactory.PlatformToken());

        Assert.Multiple(async () =>
        {
            Assert.That((await anonymous.GetAsync("/health/live")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That((await anonymous.GetAsync("/health/ready")).StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
        });
        var missing = $"/v1/tenants/{Guid.NewGuid()}";
        var whileDown = await platform.GetAsync(missing);
        Assert.That((int)whileDown.StatusCode, Is.EqualTo(503), await whileDown.Content.ReadAsStringAsync());

        Server.Start();
        await EventuallyAsync(async () => (await anonymous.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(30),
            "readiness did not recover");
        await EventuallyAsync(async () => (await platform.GetAsync(missing)).StatusCode == HttpStatusCode.NotFound, TimeSpan.FromSeconds(30),
            "the service did not serve after the database came back");
        var (tenant, _) = await CreateTenantAsync(factory);
        Assert.That(tenant, Is.Not.EqualTo(Guid.Empty));
    }

    internal static async Task<(Guid Tenant, HttpClient Admin)> CreateTenantAsync(CmsApiFactory factory)
    {
        using var platform = factory.ClientWithToken(CmsApiFactory.PlatformToken());
        var subject = $"admin-{Guid.NewGuid():N}";
        var tenant = await ApiTestBase.Read<TenantDto>(await platform.PostAsJsonAsync("/v1/tenants", TenantBody(subject)), HttpStatusCode.Created);
        return (tenant.Id, factory.ClientWithToken(CmsApiFactory.TenantToken(tenant.Id, subject)));
    }

    internal static object TenantBody(string adminSubject) => new
    {
        name = "Outage Bank",
        sector = "banking",
        jurisdiction = "UK",
        admin = new { subject = adminSubject, email = $"{adminSubject}@example.test", displayName = "Tenant Admin" },
    };

    internal static async Task<ConsumerDto> Register(HttpClient admin) =>
        await ApiTestBase.Read<ConsumerDto>(await Idempotent.PostAsync(admin, "/v1/consumers", Idempotent.Consumer($"EXT-{Guid.NewGuid():N}"), null),
            HttpStatusCode.Created);

    internal static async Task EventuallyAsync(Func<Task<bool>> condition, TimeSpan within, string message)
    {
        var deadline = DateTime.UtcNow + within;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(100);
        }

        Assert.Fail(message);
    }

    private static string? ProblemCode(string body)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            return json.RootElement.TryGetProperty("code", out var code) ? code.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>
/// The breaker's instruments on the service's meter while it lives: cms.db.circuit_breaker.rejected,
/// cms.db.circuit_breaker.transitions (by state entered) and the gauge cms.db.circuit_breaker.state.
/// </summary>
internal sealed class BreakerMetrics : IDisposable
{
    private readonly System.Diagnostics.Metrics.MeterListener _listener = new();
    private readonly Dictionary<string, long> _entered = [];
    private long _rejected;
    private int _gauge = -1;

    public BreakerMetrics()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == Cms.Application.Common.Telemetry.MeterName && instrument.Name.StartsWith("cms.db.circuit_breaker.", StringComparison.Ordinal))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            lock (_entered)
            {
                if (instrument.Name == "cms.db.circuit_breaker.rejected")
                {
                    _rejected += value;
                    return;
                }

                foreach (var tag in tags)
                {
                    if (tag.Key == "cms.db.breaker_state" && tag.Value is string state)
                    {
                        _entered[state] = _entered.GetValueOrDefault(state) + value;
                    }
                }
            }
        });
        _listener.SetMeasurementEventCallback<int>((_, value, _, _) =>
        {
            lock (_entered)
            {
                _gauge = value;
            }
        });
        _listener.Start();
    }

    public long Rejected
    {
        get
        {
            lock (_entered)
            {
                return _rejected;
            }
        }
    }

    public long Entered(string state)
    {
        lock (_entered)
        {
            return _entered.GetValueOrDefault(state);
        }
    }

    /// <summary>The gauge as observed now (the worst breaker of the process).</summary>
    public int Gauge()
    {
        _listener.RecordObservableInstruments();
        lock (_entered)
        {
            return _gauge;
        }
    }

    public void Dispose() => _listener.Dispose();
}
