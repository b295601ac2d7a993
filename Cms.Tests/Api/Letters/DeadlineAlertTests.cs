using System.Net;
using System.Net.Http.Json;
using Cms.Application.Complaints;
using Cms.Application.Events;
using Cms.Domain.Regulation;
using Cms.Domain.Staff;
using Cms.Infrastructure.DeadlineAlerts;
using Cms.Infrastructure.Persistence;
using Cms.Tests.Application.Fakes;
using Cms.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Cms.Tests.Api.Letters;

/// <summary>
/// Deadline alerts on a fake clock (issue 20): two service instances on one database run the scheduler at the same
/// moments, one of them restarts half-way, and every at-risk and breach alert arrives in the change feed exactly once;
/// nothing for a met deadline or a paused one.
/// </summary>
[TestFixture(DatabaseKind.Sqlite)]
[TestFixture(DatabaseKind.Postgres)]
public sealed class DeadlineAlertTests(DatabaseKind kind) : ApiTestBase(kind)
{
    private static async Task<ComplaintDto> Step(HttpClient client, ComplaintDto c, string step, object? body = null) =>
        await Read<ComplaintDto>(await TransitionAsync(client, c.Id, step, c.Version, body));

    private static DateTimeOffset Due(ComplaintDto c, DeadlineKind kind) => c.Deadlines.Single(d => d.Kind == kind).DueAt;

    /// <summary>Both instances' passes at the same moment; answers how many alerts they emitted together.</summary>
    private static async Task<int> BothAsync(DeadlineAlertScheduler a, DeadlineAlertScheduler b)
    {
        var passes = await Task.WhenAll(a.RunOnceAsync(CancellationToken.None), b.RunOnceAsync(CancellationToken.None));
        return passes.Sum();
    }

    [Test]
    public async Task Each_alert_arrives_once_across_two_instances_and_a_restart_and_none_for_met_or_paused_deadlines()
    {
        var tenant = await CreateTenantAsync();
        await Expect(await tenant.Admin.PutAsJsonAsync("/v1/settings/clocks", new { internalSla = new { amount = 5, unit = "business_days" }, atRiskDays = 2 },
            Json), HttpStatusCode.OK);
        var (_, integration) = await tenant.AddStaffAsync(Role.Integration);
        var consumer = await tenant.RegisterConsumerAsync();
        var running = await tenant.FileComplaintAsync(consumer.Id);
        var met = await Step(tenant.Admin, await tenant.FileComplaintAsync(consumer.Id), "resolve", new { outcome = "upheld" });
        var paused = await tenant.FileComplaintAsync(consumer.Id);
        paused = await Step(tenant.Admin, await Step(tenant.Admin, await Step(tenant.Admin, paused, "acknowledge"), "start"), "await-consumer");

        var clock = new SettableTimeProvider(DateTimeOffset.UtcNow);
        await using var second = new CmsApiFactory(Db);
        var instanceA = new DeadlineAlertScheduler(Factory.Services.GetRequiredService<TenantWork>(), clock);
        var instanceB = new DeadlineAlertScheduler(second.Services.GetRequiredService<TenantWork>(), clock);

        // Nothing owed yet.
        clock.Set(DateTimeOffset.UtcNow.AddHours(1));
        Assert.That(await BothAsync(instanceA, instanceB), Is.Zero);

        // The internal SLA enters its at-risk window: one alert (the paused complaint's SLA raises none), however often run.
        var sla = Due(running, DeadlineKind.InternalSla);
        clock.Set(sla.AddDays(-1));
        Assert.That(await BothAsync(instanceA, instanceB) + await BothAsync(instanceA, instanceB), Is.EqualTo(1));

        // Instance B restarts (a new service on the same database); the SLA passes: one breach.
        await second.DisposeAsync();
        await using var restarted = new CmsApiFactory(Db);
        var instanceC = new DeadlineAlertScheduler(restarted.Services.GetRequiredService<TenantWork>(), clock);
        clock.Set(sla.AddHours(1));
        Assert.That(await BothAsync(instanceA, instanceC) + await BothAsync(instanceC, instanceA), Is.EqualTo(1));

        // The eight weeks: at risk, then breached, for the running and the paused complaint (regulatory clocks never pause).
        var final = Due(running, DeadlineKind.FinalResponse);
        clock.Set(final.AddDays(-1));
        Assert.That(await BothAsync(instanceA, instanceC) + await BothAsync(instanceA, instanceC), Is.EqualTo(2));
        clock.Set(final.AddDays(1));
        Assert.That(await BothAsync(instanceA, instanceC) + await BothAsync(instanceC, instanceA), Is.EqualTo(2));

        var alerts = (await FeedAsync(integration)).Where(e => e.Type.StartsWith("deadline.", StringComparison.Ordinal))
            .Select(e => (e.EntityId, e.Type, Deadline: e.ChangedFields.Single())).ToList();
        Assert.That(alerts, Is.EquivalentTo(new[]
        {
            (running.Id, "deadline.at_risk", "deadlines.internal_sla"),
            (running.Id, "deadline.breached", "deadlines.internal_sla"),
            (running.Id, "deadline.at_risk", "deadlines.final_response"),
            (running.Id, "deadline.breached", "deadlines.final_response"),
            (paused.Id, "deadline.at_risk", "deadlines.final_response"),
            (paused.Id, "deadline.breached", "deadlines.final_response"),
        }));
        Assert.That(alerts.Select(a => a.EntityId), Has.None.EqualTo(met.Id));
    }

    private async Task<List<EventDto>> FeedAsync(HttpClient integration)
    {
        var events = new List<EventDto>();
        long after = 0;
        while (true)
        {
            var page = await Read<EventPage>(await integration.GetAsync($"/v1/events?after={after}&limit=200"));
            events.AddRange(page.Items);
            after = page.Next;
            if (!page.HasMore)
            {
                return events;
            }
        }
    }
}
