using System.Net;
using System.Net.Http.Json;
using Cms.Application.Common;
using Cms.Application.Complaints;
using Cms.Application.Consumers;
using Cms.Tests.Support;
using Npgsql;

namespace Cms.Tests.Isolation;

/// <summary>
/// security.md 4: thousands of concurrent requests for three tenants, some cancelled part-way, through the Npgsql pool
/// and again through PgBouncer in transaction mode: every answer holds only the caller's data, and afterwards no
/// pooled server connection carries a tenant.
/// </summary>
[TestFixture(false)]
[TestFixture(true)]
[NonParallelizable]
public sealed class PoolHygieneTests(bool throughPgBouncer)
{
    private const int Tenants = 3;
    private const int Requests = 2400;
    private const int Parallelism = 32;
    private const int CancelPercent = 15;

    private PostgresTestDatabase _db = null!;
    private PgBouncer? _bouncer;
    private CmsApiFactory _factory = null!;
    private string _appConnection = "";

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _db = await PostgresTestDatabase.CreateAsync();
        _appConnection = _db.AppConnectionString;
        if (throughPgBouncer)
        {
            _bouncer = await PgBouncer.StartAsync(_db);
            _appConnection = _bouncer.AppConnectionString(_db);
        }

        _factory = new CmsApiFactory(_db, new Dictionary<string, string> { ["Cms:Database:ConnectionString"] = _appConnection });
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await _factory.DisposeAsync();
        if (_bouncer is not null)
        {
            await _bouncer.DisposeAsync();
        }

        await _db.DisposeAsync();
    }

    private sealed record World(Guid TenantId, HttpClient Client, string Product, List<Guid> Complaints, Guid Consumer);

    [Test]
    public async Task Concurrent_requests_with_cancellations_only_ever_see_the_callers_tenant()
    {
        var worlds = new List<World>();
        using var platform = _factory.ClientWithToken(CmsApiFactory.PlatformToken());
        for (var t = 0; t < Tenants; t++)
        {
            var admin = $"admin-{t}";
            var tenant = await ApiTestBase.Read<Cms.Application.Tenants.TenantDto>(await platform.PostAsJsonAsync("/v1/tenants", new
            {
                name = $"Tenant {t}",
                sector = "banking",
                jurisdiction = "UK",
                admin = new { subject = admin, email = $"{admin}@example.test", displayName = "Admin" },
            }), HttpStatusCode.Created);
            var client = _factory.ClientWithToken(CmsApiFactory.TenantToken(tenant.Id, admin));
            // The same e-mail in every tenant: lookups must still answer only with the caller's consumer.
            var consumer = await ApiTestBase.Read<ConsumerDto>(await client.PostAsJsonAsync("/v1/consumers",
                new { externalRef = "shared-ref", fullName = "Same Person", email = "same@example.test" }), HttpStatusCode.Created);
            var world = new World(tenant.Id, client, $"product-of-tenant-{t}", [], consumer.Id);
            for (var i = 0; i < 4; i++)
            {
                world.Complaints.Add((await FileAsync(world, CancellationToken.None))!.Id);
            }

            worlds.Add(world);
        }

        var violations = new System.Collections.Concurrent.ConcurrentBag<string>();
        var completed = 0;
        var cancelled = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, Requests), new ParallelOptions { MaxDegreeOfParallelism = Parallelism }, async (i, _) =>
        {
            var random = new Random(i);
            var world = worlds[i % Tenants];
            var other = worlds[(i + 1) % Tenants];
            using var cts = new CancellationTokenSource();
            if (random.Next(100) < CancelPercent)
            {
                cts.CancelAfter(TimeSpan.FromMilliseconds(random.Next(0, 4)));
            }

            try
            {
                var problem = await OneRequestAsync(world, other, random.Next(5), cts.Token);
                if (problem is not null)
                {
                    violations.Add(problem);
                }

                Interlocked.Increment(ref completed);
            }
            catch (OperationCanceledException)
            {
                Interlocked.Increment(ref cancelled);
            }
        });

        Assert.That(violations, Is.Empty);
        Assert.That(completed, Is.GreaterThan(Requests / 2), "most requests completed");
        TestContext.Out.WriteLine($"{completed} completed, {cancelled} cancelled, through {(throughPgBouncer ? "PgBouncer" : "the Npgsql pool")}");

        // Afterwards: every tenant's data is intact and its own, and no server connection carries a tenant.
        foreach (var world in worlds)
        {
            var page = await ApiTestBase.Read<Page<ComplaintSummaryDto>>(await world.Client.GetAsync("/v1/complaints?limit=200"));
            Assert.That(page.Items.Select(c => c.Product).Distinct(), Is.EqualTo(new[] { world.Product }));
        }

        await using var dataSource = NpgsqlDataSource.Create(_appConnection);
        for (var i = 0; i < 40; i++)
        {
            await using var command = dataSource.CreateCommand("SELECT count(*) FROM complaints");
            Assert.That(await command.ExecuteScalarAsync(), Is.EqualTo(0L), "a pooled connection without a tenant sees nothing");
        }
    }

    private static async Task<string?> OneRequestAsync(World world, World other, int kind, CancellationToken ct)
    {
        switch (kind)
        {
            case 0:
                {
                    var response = await world.Client.GetAsync("/v1/complaints?limit=50", ct);
                    var page = await ApiTestBase.Read<Page<ComplaintSummaryDto>>(response);
                    return page.Items.FirstOrDefault(c => c.Product != world.Product) is { } leak ? $"list leaked {leak.Id}" : null;
                }

            case 1:
                {
                    var id = world.Complaints[Random.Shared.Next(world.Complaints.Count)];
                    var complaint = await ApiTestBase.Read<ComplaintDto>(await world.Client.GetAsync($"/v1/complaints/{id}", ct));
                    return complaint.Product != world.Product ? $"get {id} answered with another tenant's complaint" : null;
                }

            case 2:
                {
                    var response = await world.Client.GetAsync($"/v1/complaints/{other.Complaints[0]}", ct);
                    return response.StatusCode != HttpStatusCode.NotFound ? $"another tenant's complaint answered {(int)response.StatusCode}" : null;
                }

            case 3:
                {
                    var page = await ApiTestBase.Read<Page<ConsumerDto>>(await world.Client.GetAsync("/v1/consumers?email=same@example.test", ct));
                    return page.Items.Count != 1 || page.Items[0].Id != world.Consumer ? "the e-mail lookup crossed tenants" : null;
                }

            default:
                {
                    var filed = await FileAsync(world, ct);
                    return filed is not null && filed.Product != world.Product ? "a filing answered with another tenant's data" : null;
                }
        }
    }

    private static async Task<ComplaintDto?> FileAsync(World world, CancellationToken ct)
    {
        var response = await world.Client.PostAsJsonAsync("/v1/complaints", new
        {
            consumerId = world.Consumer,
            channel = "web",
            product = world.Product,
            category = "fees",
            description = "Pool hygiene probe.",
        }, ApiTestBase.Json, ct);
        return await ApiTestBase.Read<ComplaintDto>(response, HttpStatusCode.Created);
    }
}
