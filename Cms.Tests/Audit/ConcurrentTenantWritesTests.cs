using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Cms.Application.Audit.VerifyAuditChain;
using Cms.Application.Complaints;
using Cms.Application.Events;
using Cms.Domain.Staff;
using Cms.Tests.Support;

namespace Cms.Tests.Audit;

/// <summary>
/// Issue 17 on PostgreSQL, with the service's own sealer running: 32 writers in ONE tenant for several seconds
/// (filings, acknowledgements, notes) while a reader polls the feed. Afterwards every 2xx is stored exactly once, the
/// chain verifies with no gap and covers every entry, the reader saw every event exactly once in commit order, and
/// references are unique.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class ConcurrentTenantWritesTests() : ApiTestBase(DatabaseKind.Postgres)
{
    private const int Writers = 32;
    private static readonly TimeSpan WriteFor = TimeSpan.FromSeconds(5);

    /// <summary>A write that answered 2xx: the event it must have produced and when, by the test's clock, it began and ended.</summary>
    private sealed record Done(string Type, Guid EntityId, long Started, long Ended);

    [Test]
    public async Task Thirty_two_writers_in_one_tenant_store_every_2xx_once_and_the_chain_feed_and_references_hold()
    {
        var tenant = await CreateTenantAsync("Busy Bank");
        var (_, integration) = await tenant.AddStaffAsync(Role.Integration);
        var (_, auditor) = await tenant.AddStaffAsync(Role.Auditor);
        var consumers = new List<Guid>();
        for (var i = 0; i < 8; i++)
        {
            consumers.Add((await tenant.RegisterConsumerAsync()).Id);
        }

        var done = new ConcurrentQueue<Done>();
        var failures = new ConcurrentQueue<string>();
        var notes = 0;
        using var stop = new CancellationTokenSource(WriteFor);
        using var writersDone = new CancellationTokenSource();
        var seen = new List<EventDto>();
        var reader = Task.Run(async () =>
        {
            long after = 0;
            while (true)
            {
                var last = writersDone.IsCancellationRequested; // one more read after the writers finish
                var page = await Read<EventPage>(await integration.GetAsync($"/v1/events?after={after}&limit=50"));
                for (var i = 0; i < page.Items.Count; i++)
                {
                    if (page.Items[i].Position != after + 1 + i)
                    {
                        failures.Enqueue($"after {after} the feed answered position {page.Items[i].Position} at index {i}");
                    }
                }

                seen.AddRange(page.Items);
                after = page.Next;
                if (last && !page.HasMore)
                {
                    return;
                }
            }
        });

        var writers = Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var started = Stopwatch.GetTimestamp();
                var filed = await tenant.Admin.PostAsJsonAsync("/v1/complaints", new
                {
                    consumerId = consumers[w % consumers.Count], channel = "web", product = "current_account", category = "fees",
                    description = "Charged twice.",
                }, Json);
                if (filed.StatusCode != HttpStatusCode.Created)
                {
                    failures.Enqueue($"filing answered {(int)filed.StatusCode}");
                    continue;
                }

                var complaint = (await filed.Content.ReadFromJsonAsync<ComplaintDto>(Json))!;
                done.Enqueue(new Done("complaint.filed", complaint.Id, started, Stopwatch.GetTimestamp()));

                started = Stopwatch.GetTimestamp();
                var note = await tenant.Admin.PostAsJsonAsync($"/v1/complaints/{complaint.Id}/notes", new { kind = "internal", body = "Called back." }, Json);
                if (note.StatusCode == HttpStatusCode.Created)
                {
                    Interlocked.Increment(ref notes);
                    done.Enqueue(new Done("complaint.note_added", complaint.Id, started, Stopwatch.GetTimestamp()));
                }
                else
                {
                    failures.Enqueue($"note answered {(int)note.StatusCode}");
                }

                started = Stopwatch.GetTimestamp();
                var acknowledged = await TransitionAsync(tenant.Admin, complaint.Id, "acknowledge", complaint.Version);
                if (acknowledged.StatusCode == HttpStatusCode.OK)
                {
                    done.Enqueue(new Done("complaint.acknowledged", complaint.Id, started, Stopwatch.GetTimestamp()));
                }
                else
                {
                    failures.Enqueue($"acknowledge answered {(int)acknowledged.StatusCode}");
                }
            }
        })).ToList();
        await Task.WhenAll(writers);
        await writersDone.CancelAsync();
        await reader;

        Assert.That(failures, Is.Empty);
        var writes = done.ToList();
        Assert.That(writes.Count(d => d.Type == "complaint.filed"), Is.GreaterThan(Writers), "every writer filed more than once");

        // Every 2xx stored exactly once.
        var filedIds = writes.Where(d => d.Type == "complaint.filed").Select(d => d.EntityId).ToList();
        Assert.That(await CountAsync($"SELECT count(*) FROM complaints WHERE tenant_id = '{tenant.Id:D}'"), Is.EqualTo(filedIds.Count));
        Assert.That(await CountAsync($"SELECT count(*) FROM complaints WHERE tenant_id = '{tenant.Id:D}' AND status = 'acknowledged'"),
            Is.EqualTo(writes.Count(d => d.Type == "complaint.acknowledged")));
        Assert.That(await CountAsync($"SELECT count(*) FROM complaint_notes WHERE tenant_id = '{tenant.Id:D}'"), Is.EqualTo(notes));
        Assert.That(await CountAsync($"SELECT count(DISTINCT reference) FROM complaints WHERE tenant_id = '{tenant.Id:D}'"),
            Is.EqualTo(filedIds.Count), "references are unique");

        // The feed: the polling reader saw exactly what the feed holds, once each, positions 1..N.
        await SealAsync(tenant.Id);
        var stored = await CountAsync($"SELECT count(*) FROM events WHERE tenant_id = '{tenant.Id:D}'");
        Assert.That(seen.Select(e => e.Position), Is.EqualTo(Enumerable.Range(1, seen.Count).Select(i => (long)i)));
        Assert.That(seen, Has.Count.EqualTo(stored));
        Assert.That(seen.Select(e => e.Id).Distinct().Count(), Is.EqualTo(seen.Count));
        Assert.That(await CountAsync($"SELECT count(*) FROM event_outbox WHERE tenant_id = '{tenant.Id:D}'"), Is.Zero, "nothing left unplaced");

        // Commit order: a write that ended before another began has the lower position.
        var positions = seen.GroupBy(e => (e.Type, e.EntityId)).Where(g => g.Count() == 1).ToDictionary(g => g.Key, g => g.Single().Position);
        var ordered = writes.Where(d => d.Type != "complaint.note_added").OrderBy(d => positions[(d.Type, d.EntityId)]).ToList();
        Assert.That(ordered, Has.Count.EqualTo(writes.Count - notes), "each filing and acknowledgement has exactly one event");
        Assert.That(seen.Count(e => e.Type == "complaint.note_added"), Is.EqualTo(notes));
        long latestStart = long.MinValue;
        var inversions = 0;
        foreach (var write in ordered)
        {
            if (write.Ended < latestStart)
            {
                inversions++; // a lower position went to a write that began after this one had already ended
            }

            latestStart = Math.Max(latestStart, write.Started);
        }

        Assert.That(inversions, Is.Zero, "positions follow the order in which writes committed");

        // The chain: valid, linked without a gap, covering every entry.
        var verdict = await Read<AuditVerificationDto>(await auditor.GetAsync("/v1/audit/verify"));
        var entries = await CountAsync($"SELECT count(*) FROM audit_entries WHERE tenant_id = '{tenant.Id:D}'");
        Assert.That(verdict, Is.EqualTo(new AuditVerificationDto(true, entries, null, null)));
        Assert.That(await CountAsync($"SELECT count(DISTINCT seq) FROM audit_entries WHERE tenant_id = '{tenant.Id:D}' AND seq > 0"), Is.EqualTo(entries));
        Assert.That(await CountAsync($"SELECT max(seq) FROM audit_entries WHERE tenant_id = '{tenant.Id:D}'"), Is.EqualTo(entries));
    }

    private async Task<long> CountAsync(string sql)
    {
        await using var connection = Db.OpenPrivileged();
        return await Dapper.SqlMapper.ExecuteScalarAsync<long>(connection, sql);
    }
}
