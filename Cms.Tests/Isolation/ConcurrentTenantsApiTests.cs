using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using Cms.Application.Audit;
using Cms.Application.Common;
using Cms.Application.Complaints;
using Cms.Application.Consumers;
using Cms.Application.Staff;
using Cms.Domain.Staff;
using Cms.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Cms.Tests.Isolation;

/// <summary>
/// security.md point 4, the part that runs in a test: many concurrent requests for several tenants through the service's
/// own connection pool (Npgsql; SQLite for the application lock), a quarter of them cancelled at random moments; every
/// answer holds only the caller's data. On PostgreSQL the service's pool is then drained and every one of its sessions
/// is shown to carry no tenant. (The PgBouncer half of point 4 needs a running PgBouncer and is not covered here.)
/// </summary>
[TestFixture(DatabaseKind.Sqlite)]
[TestFixture(DatabaseKind.Postgres)]
public sealed class ConcurrentTenantsApiTests(DatabaseKind kind) : ApiTestBase(kind)
{
    private sealed record Party(TestTenant Tenant, HttpClient Agent, HashSet<Guid> Complaints, HashSet<Guid> Consumers, HashSet<Guid> Staff,
        string ExternalRef, Guid Queue);

    private async Task<Party> SeedAsync(string name)
    {
        var tenant = await CreateTenantAsync(name);
        var (agent, client) = await tenant.AddStaffAsync(Role.Agent, Role.Auditor);
        // The agent works the queue the complaints are filed into (an agent acts on unassigned complaints of their queues).
        var queue = await tenant.CreateQueueAsync("general");
        agent = agent with { Version = (await tenant.WorkQueuesAsync(agent.Id, "general")).Version };
        var externalRef = $"{name}-{Guid.NewGuid():N}";
        var consumers = new List<ConsumerDto>
        {
            await tenant.RegisterConsumerAsync(client, externalRef, $"{Guid.NewGuid():N}@example.test"),
            await tenant.RegisterConsumerAsync(client),
        };
        var complaints = new HashSet<Guid>();
        foreach (var consumer in consumers)
        {
            complaints.Add((await tenant.FileComplaintAsync(consumer.Id, client, queue: "general")).Id);
        }

        var staff = await Read<Page<StaffDto>>(await tenant.Admin.GetAsync("/v1/staff"));
        return new Party(tenant, client, complaints, [.. consumers.Select(c => c.Id)], [.. staff.Items.Select(s => s.Id), agent.Id], externalRef, queue.Id);
    }

    [Test]
    public async Task Concurrent_requests_with_random_cancellations_only_ever_see_the_callers_tenant()
    {
        var parties = new List<Party>();
        foreach (var name in new[] { "alpha", "bravo", "charlie" })
        {
            parties.Add(await SeedAsync(name));
        }

        var random = new Random(20260101);
        var failures = new ConcurrentQueue<string>();
        var notesPosted = new ConcurrentDictionary<Guid, int>();
        var notesMaybe = new ConcurrentDictionary<Guid, int>();
        var cancelled = 0;
        var completed = 0;

        async Task One(int n, Party me, Party other, int operation, int? cancelAfterMs, Guid complaint)
        {
            using var cts = new CancellationTokenSource();
            if (cancelAfterMs is { } ms)
            {
                cts.CancelAfter(ms);
            }

            try
            {
                switch (operation)
                {
                    case 0:
                        {
                            var page = await Read<Page<ComplaintSummaryDto>>(await me.Agent.GetAsync("/v1/complaints?limit=100", cts.Token));
                            if (!page.Items.Select(c => c.Id).ToHashSet().SetEquals(me.Complaints))
                            {
                                failures.Enqueue($"#{n} {me.Tenant.Tenant.Name}: complaint list {string.Join(",", page.Items.Select(c => c.Id))}");
                            }

                            break;
                        }

                    case 1:
                        {
                            var page = await Read<Page<ConsumerDto>>(await me.Agent.GetAsync($"/v1/consumers?externalRef={me.ExternalRef}", cts.Token));
                            if (page.Items.Count != 1 || !me.Consumers.Contains(page.Items[0].Id))
                            {
                                failures.Enqueue($"#{n} {me.Tenant.Tenant.Name}: consumer lookup {string.Join(",", page.Items.Select(c => c.Id))}");
                            }

                            var foreign = await Read<Page<ConsumerDto>>(await me.Agent.GetAsync($"/v1/consumers?externalRef={other.ExternalRef}", cts.Token));
                            if (foreign.Items.Count != 0)
                            {
                                failures.Enqueue($"#{n} {me.Tenant.Tenant.Name}: found {other.Tenant.Tenant.Name}'s consumer");
                            }

                            break;
                        }

                    case 2:
                        {
                            var own = await Read<ComplaintDto>(await me.Agent.GetAsync($"/v1/complaints/{complaint}", cts.Token));
                            if (!me.Consumers.Contains(own.ConsumerId))
                            {
                                failures.Enqueue($"#{n} {me.Tenant.Tenant.Name}: complaint of a foreign consumer");
                            }

                            var foreignId = other.Complaints.First();
                            var foreign = await me.Agent.GetAsync($"/v1/complaints/{foreignId}", cts.Token);
                            if (foreign.StatusCode != HttpStatusCode.NotFound)
                            {
                                failures.Enqueue($"#{n} {me.Tenant.Tenant.Name}: GET of {other.Tenant.Tenant.Name}'s complaint gave {(int)foreign.StatusCode}");
                            }

                            break;
                        }

                    case 3:
                        {
                            notesMaybe.AddOrUpdate(complaint, 1, (_, c) => c + 1);
                            var response = await me.Agent.PostAsJsonAsync($"/v1/complaints/{complaint}/notes",
                                new { kind = "internal", body = $"note {n}" }, Json, cts.Token);
                            await Expect(response, HttpStatusCode.Created);
                            notesPosted.AddOrUpdate(complaint, 1, (_, c) => c + 1);
                            break;
                        }

                    case 4:
                        {
                            var audit = await Read<Page<AuditEntryDto>>(await me.Agent.GetAsync("/v1/audit?limit=200", cts.Token));
                            var known = new HashSet<Guid>([me.Tenant.Id, .. me.Complaints, .. me.Consumers, .. me.Staff, me.Queue]);
                            foreach (var entry in audit.Items.Where(e => !known.Contains(e.EntityId)))
                            {
                                failures.Enqueue($"#{n} {me.Tenant.Tenant.Name}: audit entry about {entry.EntityType} {entry.EntityId}");
                            }

                            break;
                        }

                    default:
                        {
                            var staff = await Read<Page<StaffDto>>(await me.Tenant.Admin.GetAsync("/v1/staff?limit=100", cts.Token));
                            foreach (var s in staff.Items.Where(s => !me.Staff.Contains(s.Id)))
                            {
                                failures.Enqueue($"#{n} {me.Tenant.Tenant.Name}: staff {s.Id} of another tenant");
                            }

                            break;
                        }
                }

                Interlocked.Increment(ref completed);
            }
            catch (OperationCanceledException) when (cts.IsCancellationRequested)
            {
                Interlocked.Increment(ref cancelled);
            }
        }

        var work = new List<Task>();
        for (var n = 0; n < 240; n++)
        {
            var me = parties[random.Next(parties.Count)];
            var other = parties.First(p => p != me);
            var operation = random.Next(6);
            int? cancelAfter = random.Next(4) == 0 ? random.Next(0, 15) : null;
            var complaint = me.Complaints.ElementAt(random.Next(me.Complaints.Count));
            var index = n;
            work.Add(Task.Run(() => One(index, me, other, operation, cancelAfter, complaint)));
        }

        await Task.WhenAll(work);
        Assert.That(failures, Is.Empty);
        Assert.That(completed, Is.GreaterThan(100), $"completed {completed}, cancelled {cancelled}");

        // Every note landed on the complaint it was posted to, in the caller's tenant: no more than were sent, no fewer
        // than were acknowledged.
        foreach (var party in parties)
        {
            foreach (var complaint in party.Complaints)
            {
                var notes = await Read<Page<NoteDto>>(await party.Agent.GetAsync($"/v1/complaints/{complaint}/notes?limit=200"));
                Assert.That(notes.Items, Has.Count.InRange(notesPosted.GetValueOrDefault(complaint), notesMaybe.GetValueOrDefault(complaint)));
            }
        }

        if (Db is PostgresTestDatabase pg)
        {
            await AssertServicePoolCarriesNoTenantAsync(pg);
        }
    }

    /// <summary>Takes every connection the service's own pool will give and shows that none carries a tenant.</summary>
    private async Task AssertServicePoolCarriesNoTenantAsync(PostgresTestDatabase pg)
    {
        var dataSource = Factory.Services.GetRequiredService<NpgsqlDataSource>();
        var poolSize = new NpgsqlConnectionStringBuilder(pg.AppConnectionString).MaxPoolSize;
        await using var admin = await pg.OpenAdminAsync();
        var tables = await TenantCatalog.TenantTablesAsync(admin);

        var connections = new List<NpgsqlConnection>();
        try
        {
            for (var i = 0; i < poolSize; i++)
            {
                connections.Add(await dataSource.OpenConnectionAsync());
            }

            foreach (var connection in connections)
            {
                var setting = await RlsProbe.ScalarAsync(connection, "SELECT coalesce(current_setting('app.tenant_id', true), '')");
                Assert.That(setting, Is.EqualTo(""), "a pooled session of the service carries a tenant setting");
                await using var tx = await connection.BeginTransactionAsync();
                foreach (var table in tables)
                {
                    Assert.That(await RlsProbe.ScalarAsync(connection, $"SELECT count(*) FROM {table.Sql}", tx), Is.Zero,
                        $"{table.DisplayName} through a pooled session of the service with no tenant set");
                }

                await tx.RollbackAsync();
            }
        }
        finally
        {
            foreach (var connection in connections)
            {
                await connection.DisposeAsync();
            }
        }
    }
}
