using System.Net;
using System.Net.Http.Json;
using Cms.Application.Common;
using Cms.Application.Complaints;
using Cms.Application.Webhooks;
using Cms.Domain.Regulation;
using Cms.Infrastructure.DeadlineAlerts;
using Cms.Infrastructure.Persistence;
using Cms.Infrastructure.Webhooks;
using Cms.Tests.Application.Fakes;
using Cms.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cms.Tests.Events;

/// <summary>
/// Webhook deliveries to a real receiver on loopback (HttpListener), on both databases. The tests drive the dispatcher
/// pass by pass (the background worker is off, except in the test that checks the worker itself): signatures, retries
/// with back-off within a pass and across passes, giving up and replaying, event-type filters, per-complaint order, the
/// connect-time address check, and two dispatchers (two instances) never delivering the same event twice.
/// </summary>
[TestFixture(DatabaseKind.Sqlite)]
[TestFixture(DatabaseKind.Postgres)]
public sealed class WebhookDeliveryTests(DatabaseKind kind) : ApiTestBase(kind)
{
    private WebhookReceiver _receiver = null!;

    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["Cms:Webhooks:AllowLoopback"] = "true",
        ["Cms:Webhooks:AttemptsPerPass"] = "3",
        ["Cms:Webhooks:RetryBaseDelay"] = "00:00:00.005",
        ["Cms:Webhooks:BackoffBase"] = "00:00:00.001",
        ["Cms:Webhooks:BackoffMax"] = "00:00:00.002",
        ["Cms:Webhooks:MaxFailedPasses"] = "2",
        ["Cms:Webhooks:AttemptTimeout"] = "00:00:05",
        ["Cms:Webhooks:PollInterval"] = "00:00:00.050",
    };

    [SetUp]
    public void StartReceiver() => _receiver = new WebhookReceiver();

    [TearDown]
    public async Task StopReceiverAsync() => await _receiver.DisposeAsync();

    private WebhookDispatcher Dispatcher => Factory.Services.GetRequiredService<WebhookDispatcher>();

    private async Task<(TestTenant Tenant, WebhookCreatedDto Hook)> TenantWithHookAsync(string[]? types = null, long? after = 0)
    {
        var tenant = await CreateTenantAsync();
        var hook = await Read<WebhookCreatedDto>(await tenant.Admin.PostAsJsonAsync("/v1/webhooks",
            new { url = _receiver.Url, eventTypes = types ?? ["*"], after }, Json), HttpStatusCode.Created);
        return (tenant, hook);
    }

    /// <summary>Runs delivery passes until the endpoint has handed over everything up to the tenant's last event.</summary>
    private async Task<WebhookDto> PumpAsync(TestTenant tenant, Guid hookId, WebhookDispatcher? dispatcher = null)
    {
        for (var pass = 0; pass < 500; pass++)
        {
            await (dispatcher ?? Dispatcher).RunOnceAsync(CancellationToken.None);
            var hook = await Read<WebhookDto>(await tenant.Admin.GetAsync($"/v1/webhooks/{hookId}"));
            var last = await LastPositionAsync(tenant);
            if (hook.DeliveredPosition == last)
            {
                return hook;
            }

            await Task.Delay(2); // let a back-off of a millisecond or two pass
        }

        Assert.Fail("the endpoint did not catch up with the feed");
        return null!;
    }

    private async Task<long> LastPositionAsync(TestTenant tenant)
    {
        await SealAsync(tenant.Id);
        await using var connection = Db.OpenPrivileged();
        return await Dapper.SqlMapper.ExecuteScalarAsync<long>(connection,
            "SELECT last_event_position FROM audit_chain_heads WHERE tenant_id = @TenantId",
            new { TenantId = Kind == DatabaseKind.Sqlite ? (object)tenant.Id.ToString("D") : tenant.Id });
    }

    private async Task<List<WebhookAttemptDto>> AttemptsAsync(TestTenant tenant, Guid hookId) =>
        [.. (await Read<Page<WebhookAttemptDto>>(await tenant.Admin.GetAsync($"/v1/webhooks/{hookId}/attempts?limit=200"))).Items];

    [Test]
    public async Task Deliveries_are_signed_with_the_secret_and_carry_the_event()
    {
        var (tenant, hook) = await TenantWithHookAsync();
        var consumer = await tenant.RegisterConsumerAsync();
        var complaint = await tenant.FileComplaintAsync(consumer.Id);

        await PumpAsync(tenant, hook.Webhook.Id);
        var requests = _receiver.Requests.ToList();
        Assert.That(requests.Select(r => r.Event.Type), Is.EqualTo(new[]
        {
            "tenant.created", "legal_entity.created", "staff.added", "webhook.created", "consumer.registered", "complaint.filed",
        }));
        foreach (var r in requests)
        {
            Assert.That(WebhookReceiver.SignatureIsValid(r.Signature, r.Body, hook.Secret), Is.True, r.Event.Type);
            Assert.That(WebhookReceiver.SignatureIsValid(r.Signature, r.Body, hook.Secret + "x"), Is.False, "control: another secret fails");
            Assert.That(r.EventId, Is.EqualTo(r.Event.Id.ToString("D")));
            Assert.That(r.EventType, Is.EqualTo(r.Event.Type));
            Assert.That(r.Attempt, Is.EqualTo("1"));
        }

        var tampered = requests[^1].Body.ToArray();
        tampered[^2] ^= 1;
        Assert.That(WebhookReceiver.SignatureIsValid(requests[^1].Signature, tampered, hook.Secret), Is.False, "control: a changed body fails");
        Assert.That(requests[^1].Event.EntityId, Is.EqualTo(complaint.Id));
        Assert.That(requests.Select(r => r.Event.Position), Is.EqualTo(new long[] { 1, 2, 3, 4, 5, 6 }));
        Assert.That(System.Text.Encoding.UTF8.GetString(requests[^1].Body), Does.Not.Contain("Charged twice").And.Not.Contain("Jane"));
    }

    [Test]
    public async Task A_failing_receiver_is_retried_with_back_off_and_every_attempt_is_recorded()
    {
        var (tenant, hook) = await TenantWithHookAsync(["complaint.filed"]);
        _receiver.FailFirst = 2;
        await tenant.FileComplaintAsync((await tenant.RegisterConsumerAsync()).Id);

        await Dispatcher.RunOnceAsync(CancellationToken.None); // one pass: 500, 500, then 200
        var requests = _receiver.Requests.OrderBy(r => r.Number).ToList();
        Assert.That(requests.Select(r => (r.Status, r.Attempt)), Is.EqualTo(new[] { (500, "1"), (500, "2"), (200, "3") }));
        Assert.That(requests.Select(r => r.Event.Id).Distinct().Count(), Is.EqualTo(1), "the same event each time");

        var attempts = await AttemptsAsync(tenant, hook.Webhook.Id);
        Assert.That(attempts.Select(a => (a.Attempt, a.Outcome, a.StatusCode, a.Error)), Is.EqualTo(new (int, string, int?, string?)[]
        {
            (1, "failed", 500, "HTTP 500"), (2, "failed", 500, "HTTP 500"), (3, "delivered", 200, null),
        }));
        Assert.That(attempts.All(a => a.DurationMs >= 0 && a.EventPosition == requests[0].Event.Position), Is.True);
        var state = await Read<WebhookDto>(await tenant.Admin.GetAsync($"/v1/webhooks/{hook.Webhook.Id}"));
        Assert.That(state.Failures, Is.Zero);
        Assert.That(state.DeliveredPosition, Is.EqualTo(await LastPositionAsync(tenant)));
    }

    [Test]
    public async Task After_failed_passes_an_event_is_given_up_later_ones_go_on_and_a_replay_delivers_it_again()
    {
        var (tenant, hook) = await TenantWithHookAsync(["complaint.filed"]);
        var consumer = await tenant.RegisterConsumerAsync();
        var first = await tenant.FileComplaintAsync(consumer.Id);
        _receiver.FailWhen = (_, e) => e.EntityId == first.Id; // the receiver cannot take the first complaint, ever
        var second = await tenant.FileComplaintAsync(consumer.Id);

        // Pass 1: three failures (failures = 1, back-off); pass 2: three more, MaxFailedPasses = 2 reached: given up.
        await PumpAsync(tenant, hook.Webhook.Id);
        var attempts = await AttemptsAsync(tenant, hook.Webhook.Id);
        var firstPosition = _receiver.Requests.First(r => r.Event.EntityId == first.Id).Event.Position;
        Assert.That(attempts.Where(a => a.EventPosition == firstPosition).Select(a => a.Outcome),
            Is.EqualTo(new[] { "failed", "failed", "failed", "failed", "failed", "given_up" }));
        Assert.That(_receiver.Accepted.Select(e => e.EntityId), Is.EqualTo(new[] { second.Id }), "the endpoint moved on");

        // The receiver is fixed; replaying from the given-up position delivers it (and what followed) again, in order.
        _receiver.FailWhen = null;
        var replayed = await Read<WebhookDto>(await tenant.Admin.PostAsJsonAsync($"/v1/webhooks/{hook.Webhook.Id}/replay",
            new { fromPosition = firstPosition }, Json));
        Assert.That(replayed.DeliveredPosition, Is.EqualTo(firstPosition - 1));
        await PumpAsync(tenant, hook.Webhook.Id);
        Assert.That(_receiver.Accepted.Select(e => e.EntityId), Is.EqualTo(new[] { second.Id, first.Id, second.Id }));
    }

    [Test]
    public async Task Only_subscribed_types_are_delivered_and_the_cursor_moves_past_the_rest()
    {
        var (tenant, hook) = await TenantWithHookAsync(["complaint.acknowledged", "consumer.*"]);
        var consumer = await tenant.RegisterConsumerAsync();
        var complaint = await tenant.FileComplaintAsync(consumer.Id);
        await Expect(await TransitionAsync(tenant.Admin, complaint.Id, "acknowledge", complaint.Version), HttpStatusCode.OK);
        await tenant.FileComplaintAsync(consumer.Id); // trailing unsubscribed event

        var state = await PumpAsync(tenant, hook.Webhook.Id);
        Assert.That(_receiver.Requests.Select(r => r.Event.Type), Is.EqualTo(new[] { "consumer.registered", "complaint.acknowledged" }));
        Assert.That(state.DeliveredPosition, Is.EqualTo(await LastPositionAsync(tenant)));
    }

    [Test]
    public async Task A_deadline_alert_reaches_a_subscribed_endpoint_signed_and_once()
    {
        var (tenant, hook) = await TenantWithHookAsync(["deadline.*"]);
        await Expect(await tenant.Admin.PutAsJsonAsync("/v1/settings/clocks", new { internalSla = new { amount = 5, unit = "business_days" }, atRiskDays = 2 },
            Json), HttpStatusCode.OK);
        var consumer = await tenant.RegisterConsumerAsync();
        var complaint = await tenant.FileComplaintAsync(consumer.Id);
        var sla = complaint.Deadlines.Single(d => d.Kind == DeadlineKind.InternalSla).DueAt;

        var clock = new SettableTimeProvider(sla.AddDays(-1));
        var scheduler = new DeadlineAlertScheduler(Factory.Services.GetRequiredService<TenantWork>(), clock);
        Assert.That(await scheduler.RunOnceAsync(CancellationToken.None) + await scheduler.RunOnceAsync(CancellationToken.None), Is.EqualTo(1));

        await PumpAsync(tenant, hook.Webhook.Id);
        var received = _receiver.Requests.ToList();
        Assert.That(received.Select(r => (r.Event.Type, r.Event.EntityId, r.Event.ChangedFields.Single())),
            Is.EqualTo(new[] { ("deadline.at_risk", complaint.Id, "deadlines.internal_sla") }));
        Assert.That(WebhookReceiver.SignatureIsValid(received[0].Signature, received[0].Body, hook.Secret), Is.True);
    }

    [Test]
    public async Task Events_of_each_complaint_arrive_in_commit_order_even_when_the_receiver_fails_now_and_then()
    {
        var (tenant, hook) = await TenantWithHookAsync(["complaint.*"]);
        var consumer = await tenant.RegisterConsumerAsync();
        var complaints = new List<ComplaintDto>();
        for (var i = 0; i < 3; i++)
        {
            complaints.Add(await tenant.FileComplaintAsync(consumer.Id));
        }

        foreach (var step in new[] { "acknowledge", "start", "await-consumer", "start" })
        {
            for (var i = 0; i < complaints.Count; i++)
            {
                complaints[i] = await Read<ComplaintDto>(await TransitionAsync(tenant.Admin, complaints[i].Id, step, complaints[i].Version));
            }
        }

        _receiver.FailWhen = (n, _) => n % 4 == 0; // every fourth request fails
        await PumpAsync(tenant, hook.Webhook.Id);

        var accepted = _receiver.Accepted;
        Assert.That(accepted, Has.Count.EqualTo(15), "3 filings and 4 steps of 3 complaints, each accepted once");
        Assert.That(accepted.Select(e => e.Id).Distinct().Count(), Is.EqualTo(accepted.Count));
        Assert.That(accepted.Select(e => e.Position), Is.Ordered.Ascending.And.Unique);
        foreach (var complaint in complaints)
        {
            Assert.That(accepted.Where(e => e.EntityId == complaint.Id).Select(e => e.EntityVersion), Is.EqualTo(new long[] { 1, 2, 3, 4, 5 }));
        }

        Assert.That(_receiver.Requests.Count(r => r.Status == 500), Is.GreaterThan(0), "control: failures happened");
    }

    [Test]
    public async Task At_connect_time_a_host_that_resolves_to_loopback_is_refused_unless_loopback_is_allowed()
    {
        var (tenant, hook) = await TenantWithHookAsync(["consumer.*"]);
        await tenant.RegisterConsumerAsync();
        var options = Factory.Services.GetRequiredService<WebhookOptions>();
        using var strict = new WebhookDispatcher(Factory.Services, new WebhookOptions
        {
            AllowLoopback = false,
            AttemptsPerPass = 1,
            RetryBaseDelay = options.RetryBaseDelay,
            BackoffBase = TimeSpan.FromHours(1),
            BackoffMax = TimeSpan.FromHours(1),
        }, TimeProvider.System, NullLogger<WebhookDispatcher>.Instance);

        await strict.RunOnceAsync(CancellationToken.None);
        Assert.That(_receiver.Requests, Is.Empty, "nothing reached the loopback receiver");
        var attempts = await AttemptsAsync(tenant, hook.Webhook.Id);
        Assert.That(attempts.Select(a => (a.Outcome, a.StatusCode, a.Error)), Is.EqualTo(new[] { ("failed", (int?)null, "refused: address not public") }));
    }

    [Test]
    public async Task Two_instances_delivering_at_once_never_deliver_an_event_twice()
    {
        var (tenant, hook) = await TenantWithHookAsync();
        var consumer = await tenant.RegisterConsumerAsync();
        for (var i = 0; i < 12; i++)
        {
            await tenant.FileComplaintAsync(consumer.Id);
        }

        _receiver.Delay = TimeSpan.FromMilliseconds(5);
        var options = Factory.Services.GetRequiredService<WebhookOptions>();
        using var other = new WebhookDispatcher(Factory.Services, options, TimeProvider.System, NullLogger<WebhookDispatcher>.Instance);
        Assert.That(other.Owner, Is.Not.EqualTo(Dispatcher.Owner));
        var last = await LastPositionAsync(tenant);
        async Task RunAsync(WebhookDispatcher dispatcher)
        {
            for (var pass = 0; pass < 200 && _receiver.Accepted.Count < last; pass++)
            {
                await dispatcher.RunOnceAsync(CancellationToken.None);
            }
        }

        await Task.WhenAll(Task.Run(() => RunAsync(Dispatcher)), Task.Run(() => RunAsync(other)));
        var accepted = _receiver.Accepted;
        Assert.That(accepted.Select(e => e.Position), Is.EqualTo(Enumerable.Range(1, (int)last).Select(i => (long)i)),
            "every event exactly once, in order");
        var attempts = await AttemptsAsync(tenant, hook.Webhook.Id);
        Assert.That(attempts.Count(a => a.Outcome == "delivered"), Is.EqualTo(last));
    }

    [Test]
    public async Task The_background_worker_delivers_without_being_asked()
    {
        var (tenant, hook) = await TenantWithHookAsync(["consumer.registered"]);
        await using var withWorker = Factory.WithWebHostBuilder(b => b.UseSetting("Cms:Webhooks:DeliveryEnabled", "true"));
        _ = withWorker.Server; // starts the host and its hosted services
        var consumer = await tenant.RegisterConsumerAsync();

        for (var i = 0; i < 600 && _receiver.Accepted.Count == 0; i++)
        {
            await Task.Delay(50);
        }

        Assert.That(_receiver.Accepted.Select(e => e.EntityId), Is.EqualTo(new[] { consumer.Id }));
        Assert.That(WebhookReceiver.SignatureIsValid(_receiver.Requests.Single().Signature, _receiver.Requests.Single().Body, hook.Secret), Is.True);
    }
}
