using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Json;
using Cms.Application.Audit;
using Cms.Application.Audit.VerifyAuditChain;
using Cms.Application.Common;
using Cms.Application.Complaints;
using Cms.Application.Consumers;
using Cms.Application.Retention;
using Cms.Application.Retention.EraseDueConsumers;
using Cms.Domain.Staff;
using Cms.Infrastructure.Persistence;
using Cms.Infrastructure.Retention;
using Cms.Tests.Application.Fakes;
using Cms.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Cms.Tests.Api.Retention;

/// <summary>
/// The retention job on a fake clock (issue 19 item 5): two service instances on one database, one of them crashing after
/// its first batch and another started afterwards, erase exactly the consumers the preview listed, each once; never a
/// consumer under a legal hold, with a complaint still open, or of another tenant.
/// </summary>
[TestFixture(DatabaseKind.Sqlite)]
[TestFixture(DatabaseKind.Postgres)]
public sealed class RetentionJobTests(DatabaseKind kind) : ApiTestBase(kind)
{
    private static readonly RetentionOptions OneAtATime = new() { BatchSize = 1, LeaseDuration = TimeSpan.FromMinutes(5) };

    private sealed class CrashException() : Exception("crash after the first batch");

    private static async Task<ComplaintDto> Step(HttpClient client, ComplaintDto c, string step, object? body = null) =>
        await Read<ComplaintDto>(await TransitionAsync(client, c.Id, step, c.Version, body));

    /// <summary>A consumer with one complaint filed and closed now.</summary>
    private static async Task<ConsumerDto> ClosedAsync(TestTenant tenant)
    {
        var consumer = await tenant.RegisterConsumerAsync();
        var complaint = await Step(tenant.Admin, await tenant.FileComplaintAsync(consumer.Id), "resolve", new { outcome = "upheld" });
        await Step(tenant.Admin, complaint, "close");
        return consumer;
    }

    private static async Task<List<RetentionPreviewItemDto>> PreviewAsync(HttpClient admin, DateTimeOffset asOf, int limit)
    {
        var items = new List<RetentionPreviewItemDto>();
        string? cursor = null;
        do
        {
            var page = await Read<Page<RetentionPreviewItemDto>>(await admin.GetAsync(
                $"/v1/retention/preview?asOf={Uri.EscapeDataString(asOf.ToString("O"))}&limit={limit}{(cursor is null ? "" : $"&cursor={cursor}")}"));
            Assert.That(page.Items, Has.Count.LessThanOrEqualTo(limit));
            items.AddRange(page.Items);
            cursor = page.NextCursor;
        }
        while (cursor is not null);
        return items;
    }

    private static async Task<List<AuditEntryDto>> AuditAsync(HttpClient admin)
    {
        var entries = new List<AuditEntryDto>();
        string? cursor = null;
        do
        {
            var page = await Read<Page<AuditEntryDto>>(await admin.GetAsync($"/v1/audit?limit=200{(cursor is null ? "" : $"&cursor={cursor}")}"));
            entries.AddRange(page.Items);
            cursor = page.NextCursor;
        }
        while (cursor is not null);
        return entries;
    }

    private static async Task<bool> ErasedAsync(HttpClient admin, Guid consumerId) =>
        (await Read<ConsumerDto>(await admin.GetAsync($"/v1/consumers/{consumerId}"))).ErasedAt is not null;

    [Test]
    public async Task The_job_erases_what_the_preview_listed_once_across_two_instances_and_a_crash_and_keeps_holds_open_complaints_and_other_tenants()
    {
        var tenant = await CreateTenantAsync("Retention Bank");
        await Expect(await tenant.Admin.PutAsJsonAsync("/v1/retention/schedule", new { afterClosureDays = 30 }, Json), HttpStatusCode.OK);
        var due = new List<ConsumerDto> { await ClosedAsync(tenant), await ClosedAsync(tenant), await ClosedAsync(tenant) };
        var held = await ClosedAsync(tenant);
        await Expect(await tenant.Admin.PutAsJsonAsync($"/v1/consumers/{held.Id}/legal-hold", new { onHold = true }, Json), HttpStatusCode.OK);
        var withOpen = await ClosedAsync(tenant);
        await tenant.FileComplaintAsync(withOpen.Id);
        var noComplaint = await tenant.RegisterConsumerAsync();
        var other = await CreateTenantAsync("Other Bank");
        var otherDue = await ClosedAsync(other);

        // Thirty days after closure is not enough: FCA DISP 1.9.1R keeps the record three years from receipt.
        var start = DateTimeOffset.UtcNow;
        Assert.That(await PreviewAsync(tenant.Admin, start.AddDays(31), 2), Is.Empty);
        var after = start.AddYears(3).AddDays(2);
        var preview = await PreviewAsync(tenant.Admin, after, 2);
        Assert.That(preview.Select(p => p.ConsumerId), Is.EquivalentTo(due.Select(c => c.Id)));
        Assert.That(preview, Has.All.Property(nameof(RetentionPreviewItemDto.Reason)).StartsWith("FCA DISP 1.9.1R(2)"));

        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var reportRoute = $"/v1/reports/complaints?from={today.AddDays(-3):yyyy-MM-dd}&to={today.AddDays(3):yyyy-MM-dd}";
        var figuresBefore = await (await tenant.Admin.GetAsync(reportRoute)).Content.ReadAsStringAsync();
        var erasedCounted = new LockedCollection<long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == Telemetry.MeterName && instrument.Name == "cms.retention.erased")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == Telemetry.Tags.TenantId && Equals(tag.Value, tenant.Id.ToString()))
                {
                    erasedCounted.Add(value);
                }
            }
        });
        listener.Start();

        var clock = new SettableTimeProvider(after);
        var work = Factory.Services.GetRequiredService<TenantWork>();
        var instanceA = new RetentionRunner(work, OneAtATime, clock) { AfterBatch = _ => throw new CrashException() };
        await using var second = new CmsApiFactory(Db);
        var instanceB = new RetentionRunner(second.Services.GetRequiredService<TenantWork>(), OneAtATime, clock);

        // A crashes after its first committed batch, holding the lease: B, at the same moment, leaves the tenant to it.
        await Assert.ThatAsync(() => instanceA.RunTenantAsync(tenant.Id, CancellationToken.None), Throws.TypeOf<CrashException>());
        Assert.That(await instanceB.RunTenantAsync(tenant.Id, CancellationToken.None), Is.EqualTo(RetentionTotals.None));
        var erasedBeforeCrash = 0;
        foreach (var consumer in due)
        {
            erasedBeforeCrash += await ErasedAsync(tenant.Admin, consumer.Id) ? 1 : 0;
        }

        Assert.That(erasedBeforeCrash, Is.LessThanOrEqualTo(1), "one consumer per batch");

        // The lease lapses; B and a restarted A run every tenant at the same moment, from where A stopped.
        clock.Set(after.AddMinutes(6));
        await using var restarted = new CmsApiFactory(Db);
        var instanceC = new RetentionRunner(restarted.Services.GetRequiredService<TenantWork>(), OneAtATime, clock);
        var failures = new LockedCollection<Exception>();
        var totals = await Task.WhenAll(instanceB.RunOnceAsync(CancellationToken.None, (_, ex) => failures.Add(ex)),
            instanceC.RunOnceAsync(CancellationToken.None, (_, ex) => failures.Add(ex)));
        Assert.That(failures.Snapshot(), Is.Empty);
        Assert.That(totals.Sum(t => t.Erased), Is.EqualTo(due.Count - erasedBeforeCrash + 1), "the rest of this tenant's, and the other tenant's one");

        foreach (var consumer in due)
        {
            Assert.That(await ErasedAsync(tenant.Admin, consumer.Id), Is.True);
        }

        Assert.That(await ErasedAsync(tenant.Admin, held.Id), Is.False, "legal hold");
        Assert.That(await ErasedAsync(tenant.Admin, withOpen.Id), Is.False, "a complaint still open");
        Assert.That(await ErasedAsync(tenant.Admin, noComplaint.Id), Is.False, "nothing closed");
        Assert.That(await ErasedAsync(other.Admin, otherDue.Id), Is.True, "the other tenant's own schedule (the default) is due too");

        // The regulator's figures do not move; the counter says what the job did.
        Assert.That(await (await tenant.Admin.GetAsync(reportRoute)).Content.ReadAsStringAsync(), Is.EqualTo(figuresBefore));
        Assert.That(erasedCounted.Snapshot().Sum(), Is.EqualTo(due.Count));

        // Each erased once, by the job, in its own tenant's trail; the preview now lists nothing more.
        var erasures = (await AuditAsync(tenant.Admin)).Where(e => e.Action == "consumer.erased").ToList();
        Assert.That(erasures.Select(e => e.EntityId), Is.EquivalentTo(due.Select(c => c.Id)));
        Assert.That(erasures, Has.All.Property(nameof(AuditEntryDto.ActorId)).EqualTo(RetentionPass.JobActor));
        Assert.That(await PreviewAsync(tenant.Admin, clock.GetUtcNow(), 10), Is.Empty);
        var (_, auditor) = await tenant.AddStaffAsync(Role.Auditor);
        Assert.That((await Read<AuditVerificationDto>(await auditor.GetAsync("/v1/audit/verify"))).Valid, Is.True);

        // Lifting the hold makes that consumer due at the next pass (and only then).
        await Expect(await tenant.Admin.PutAsJsonAsync($"/v1/consumers/{held.Id}/legal-hold", new { onHold = false }, Json), HttpStatusCode.OK);
        Assert.That((await PreviewAsync(tenant.Admin, clock.GetUtcNow(), 10)).Select(p => p.ConsumerId), Is.EqualTo(new[] { held.Id }));
        Assert.That((await instanceC.RunTenantAsync(tenant.Id, CancellationToken.None)).Erased, Is.EqualTo(1));
        Assert.That(await ErasedAsync(tenant.Admin, held.Id), Is.True);
    }

    [Test]
    public async Task A_batch_that_fails_releases_the_lease_at_once_so_the_next_pass_retries_the_tenant_without_waiting_for_it_to_lapse()
    {
        var tenant = await CreateTenantAsync("Failing Retention Bank");
        await Expect(await tenant.Admin.PutAsJsonAsync("/v1/retention/schedule", new { afterClosureDays = 30 }, Json), HttpStatusCode.OK);
        var due = new List<ConsumerDto> { await ClosedAsync(tenant), await ClosedAsync(tenant) };
        var clock = new SettableTimeProvider(DateTimeOffset.UtcNow.AddYears(3).AddDays(2));
        var instanceA = new RetentionRunner(Factory.Services.GetRequiredService<TenantWork>(), OneAtATime, clock);
        await using var second = new CmsApiFactory(Db);
        var instanceB = new RetentionRunner(second.Services.GetRequiredService<TenantWork>(), OneAtATime, clock);

        // The database refuses the erasure of every consumer (the destruction of their key): A's first batch fails.
        await using (await RefusedWrite.InstallAsync(Db, "consumer_keys", "UPDATE", "OLD.wrapped_key IS NOT NULL"))
        {
            await Assert.ThatAsync(() => instanceA.RunTenantAsync(tenant.Id, CancellationToken.None), Throws.Exception);
        }

        // Not a minute later (the clock has not moved), B takes the tenant and erases both.
        Assert.That(await AtRest.ScalarAsync(Db, $"SELECT count(*) FROM retention_runs WHERE tenant_id = '{tenant.Id:D}' AND lease_owner IS NULL"),
            Is.EqualTo("1"), "released");
        Assert.That((await instanceB.RunTenantAsync(tenant.Id, CancellationToken.None)).Erased, Is.EqualTo(due.Count));
        foreach (var consumer in due)
        {
            Assert.That(await ErasedAsync(tenant.Admin, consumer.Id), Is.True);
        }
    }
}
