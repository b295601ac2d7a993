using System.Net;
using Cms.Tests.Support;

namespace Cms.Tests.Reliability;

/// <summary>
/// The built service as a real process (dotnet Cms.Api.dll) against a PostgreSQL cluster of this fixture's own:
/// started with the database down it is live but unready and serves once the database is back; on SIGTERM under load
/// readiness turns unhealthy first while it still serves, requests in flight finish (each one in flight at the moment of
/// SIGTERM gets its 2xx from the draining process, not a transport error), it exits cleanly, and a client that
/// repeats its unanswered filings (same keys) against the next process finds each complaint exactly once.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class ServiceProcessTests : PrivateClusterFixture
{
    private Dictionary<string, string> Settings(TimeSpan readinessDelay) => new()
    {
        ["Cms:Database:Provider"] = "Postgres",
        ["Cms:Database:ConnectionString"] = Db.AppConnectionString,
        ["Cms:Auth:Issuer"] = CmsApiFactory.Auth.Issuer,
        ["Cms:Auth:Audience"] = CmsApiFactory.Auth.Audience,
        ["Cms:Auth:SigningKey"] = CmsApiFactory.Auth.SigningKey!,
        ["Cms:Audit:HmacKey"] = CmsApiFactory.AuditKey,
        ["Cms:Crypto:MasterKeys:1"] = CmsApiFactory.MasterKey,
        ["Cms:Crypto:ActiveMasterKeyVersion"] = "1",
        ["Cms:Crypto:TenantKeyVault:Directory"] = Db.KeyVaultDirectory,
        ["Cms:RateLimit:PermitsPerSecond"] = "1000000",
        ["Cms:RateLimit:Burst"] = "1000000",
        ["Cms:Resilience:BreakerBreakDuration"] = "00:00:01",
        ["Cms:Shutdown:ReadinessDelay"] = readinessDelay.ToString("c", System.Globalization.CultureInfo.InvariantCulture),
        ["Cms:Shutdown:DrainTimeout"] = "00:00:30",
    };

    [Test]
    public async Task Started_with_the_database_down_the_process_is_unready_then_serves_when_the_database_is_back()
    {
        Server.Stop();
        await using var service = ServiceProcess.Start(Settings(TimeSpan.Zero));
        await service.WaitForAsync("/health/live", HttpStatusCode.OK, TimeSpan.FromSeconds(90));
        using (var anonymous = service.Client())
        {
            Assert.That((await anonymous.GetAsync("/health/ready")).StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
        }

        Server.Start();
        await service.WaitForAsync("/health/ready", HttpStatusCode.OK, TimeSpan.FromSeconds(60));
        using var platform = service.Client(CmsApiFactory.PlatformToken());
        await DatabaseOutageTests.EventuallyAsync(async () =>
        {
            var response = await platform.PostAsync("/v1/tenants",
                System.Net.Http.Json.JsonContent.Create(DatabaseOutageTests.TenantBody($"admin-{Guid.NewGuid():N}")));
            return response.StatusCode == HttpStatusCode.Created;
        }, TimeSpan.FromSeconds(30), "no tenant could be created after the database came back");

        service.Terminate();
        Assert.That(await service.WaitForExitAsync(TimeSpan.FromSeconds(60)), Is.EqualTo(0), service.Output);
    }

    [Test]
    public async Task SIGTERM_under_load_turns_readiness_unhealthy_first_finishes_in_flight_requests_and_leaves_nothing_half_written()
    {
        var first = ServiceProcess.Start(Settings(TimeSpan.FromSeconds(2)));
        ServiceProcess? second = null;
        try
        {
            await first.WaitForAsync("/health/ready", HttpStatusCode.OK, TimeSpan.FromSeconds(90));
            var (tenantId, adminSubject) = await CreateTenantAsync(first);
            var current = first;
            var clients = new Dictionary<ServiceProcess, HttpClient>();
            HttpClient ClientOf(ServiceProcess service)
            {
                lock (clients)
                {
                    if (!clients.TryGetValue(service, out var client))
                    {
                        clients[service] = client = service.Client(CmsApiFactory.TenantToken(tenantId, adminSubject));
                    }

                    return client;
                }
            }

            var consumer = await DatabaseOutageTests.Register(ClientOf(first));
            var burst = new FilingBurst(() => ClientOf(Volatile.Read(ref current)), consumer.Id);
            var running = burst.RunAsync(count: 300, concurrency: 6, deadline: TimeSpan.FromSeconds(150));
            await DatabaseOutageTests.EventuallyAsync(() => Task.FromResult(burst.Acknowledged.Count >= 20 || running.IsCompleted),
                TimeSpan.FromSeconds(60), "the load never got going");

            // The requests in flight at the moment of SIGTERM: each must get its HTTP answer from this process, a 2xx, not a
            // transport error (the client's retries on transport errors would otherwise hide an aborted request).
            var inFlight = burst.InFlight();
            first.Terminate();
            using (var probe = first.Client())
            {
                // Readiness turns unhealthy while the listener still serves (the readiness delay) ...
                await first.WaitForAsync("/health/ready", HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(30));
                Assert.That((await probe.GetAsync("/health/live")).StatusCode, Is.EqualTo(HttpStatusCode.OK),
                    "the service stopped serving before readiness had turned unhealthy for the delay");
            }

            // ... then requests in flight finish and it exits cleanly.
            Assert.That(await first.WaitForExitAsync(TimeSpan.FromSeconds(60)), Is.EqualTo(0), first.Output);
            Assert.That(running.IsCompleted, Is.False, "the load ended before the shutdown: it proved nothing");
            Assert.That(inFlight, Is.Not.Empty, "no request was in flight when SIGTERM was sent: the drain was not tested");
            Assert.That(Task.WhenAll(inFlight.Select(a => a.Done.Task)).Wait(TimeSpan.FromSeconds(10)), Is.True,
                "requests in flight at SIGTERM still unanswered after the process exited");
            Assert.That(inFlight.Where(a => a.Status is not (>= 200 and < 300) || a.TransportError is not null).Select(a => a.ToString()),
                Is.Empty, $"every one of the {inFlight.Count} requests in flight at SIGTERM is answered 2xx by the draining process");

            // The next instance: the client repeats whatever went unanswered, with the same keys.
            second = ServiceProcess.Start(Settings(TimeSpan.Zero));
            await second.WaitForAsync("/health/ready", HttpStatusCode.OK, TimeSpan.FromSeconds(90));
            Volatile.Write(ref current, second);
            await running;

            await burst.AssertExactlyOnceAsync(Db);
            foreach (var client in clients.Values)
            {
                client.Dispose();
            }
        }
        finally
        {
            await first.DisposeAsync();
            if (second is not null)
            {
                second.Terminate();
                await second.WaitForExitAsync(TimeSpan.FromSeconds(60));
                await second.DisposeAsync();
            }
        }
    }

    private static async Task<(Guid TenantId, string AdminSubject)> CreateTenantAsync(ServiceProcess service)
    {
        using var platform = service.Client(CmsApiFactory.PlatformToken());
        var subject = $"admin-{Guid.NewGuid():N}";
        var response = await platform.PostAsync("/v1/tenants", System.Net.Http.Json.JsonContent.Create(DatabaseOutageTests.TenantBody(subject)));
        var tenant = await Support.ApiTestBase.Read<global::Cms.Application.Tenants.TenantDto>(response, HttpStatusCode.Created);
        return (tenant.Id, subject);
    }
}
