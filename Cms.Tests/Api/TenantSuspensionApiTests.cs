using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Cms.Application.Complaints;
using Cms.Application.Tenants;
using Cms.Domain.Staff;
using Cms.Domain.Tenants;
using Cms.Infrastructure.Webhooks;
using Cms.Tests.Events;
using Cms.Tests.Support;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Cms.Tests.Api;

/// <summary>
/// Tenant suspension (issue 22) on two instances of the service over one database: the next request of any of the
/// tenant's principals is 403 <c>tenant.suspended</c> on both, a request already past its authorization completes,
/// webhooks pause and nothing is deleted; reactivation restores access everywhere.
/// </summary>
[TestFixture(DatabaseKind.Sqlite)]
[TestFixture(DatabaseKind.Postgres)]
public sealed class TenantSuspensionApiTests(DatabaseKind kind) : ApiTestBase(kind)
{
    private CmsApiFactory _second = null!;

    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["Cms:Webhooks:AllowLoopback"] = "true",
    };

    [OneTimeSetUp]
    public void StartSecondInstance() => _second = new CmsApiFactory(Db, Settings);

    [OneTimeTearDown]
    public async Task StopSecondInstanceAsync() => await _second.DisposeAsync();

    private Task<HttpResponseMessage> ChangeStatusAsync(Guid tenantId, string step, string reason = "Unpaid invoices") =>
        Platform.PostAsJsonAsync($"/v1/tenants/{tenantId}/{step}", new { reason }, Json);

    private static async Task ExpectSuspendedAsync(HttpResponseMessage response)
    {
        await Expect(response, HttpStatusCode.Forbidden);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.That(problem.RootElement.GetProperty("type").GetString(), Does.EndWith("tenant.suspended"));
    }

    [Test]
    public async Task Suspension_refuses_every_principal_on_both_instances_and_reactivation_restores_access()
    {
        var tenant = await CreateTenantAsync();
        var other = await CreateTenantAsync("Other Bank");
        var (_, integration) = await tenant.AddStaffAsync(Role.Integration);
        var consumer = await tenant.RegisterConsumerAsync();
        using var adminOnSecond = _second.ClientWithToken(CmsApiFactory.TenantToken(tenant.Id, AdminSubject(tenant)));
        await Expect(await adminOnSecond.GetAsync("/v1/staff"), HttpStatusCode.OK); // the second instance serves it first

        var suspended = await Read<TenantDto>(await ChangeStatusAsync(tenant.Id, "suspend"));
        Assert.That(suspended.Status, Is.EqualTo(TenantStatus.Suspended));
        Assert.That(suspended.StatusReason, Is.EqualTo("Unpaid invoices"));

        await ExpectSuspendedAsync(await tenant.Admin.GetAsync("/v1/staff"));
        await ExpectSuspendedAsync(await adminOnSecond.GetAsync("/v1/staff"));
        await ExpectSuspendedAsync(await integration.GetAsync($"/v1/consumers/{consumer.Id}"));
        await ExpectSuspendedAsync(await integration.PostAsJsonAsync("/v1/complaints", new
        {
            consumerId = consumer.Id, channel = "web", product = "current_account", category = "fees", description = "Refused.",
        }, Json));
        await Expect(await other.Admin.GetAsync("/v1/staff"), HttpStatusCode.OK); // another tenant is untouched
        Assert.That((await Read<TenantDto>(await Platform.GetAsync($"/v1/tenants/{tenant.Id}"))).Status, Is.EqualTo(TenantStatus.Suspended));

        await Read<TenantDto>(await ChangeStatusAsync(tenant.Id, "reactivate", "Paid"));
        await Expect(await adminOnSecond.GetAsync("/v1/staff"), HttpStatusCode.OK);
        var found = await integration.GetAsync($"/v1/consumers/{consumer.Id}");
        await Expect(found, HttpStatusCode.OK); // nothing was deleted meanwhile
    }

    [Test]
    public async Task Status_changes_check_their_input_and_the_current_status()
    {
        var tenant = await CreateTenantAsync();
        await Expect(await Platform.PostAsJsonAsync($"/v1/tenants/{tenant.Id}/suspend", new { reason = "" }, Json), HttpStatusCode.BadRequest);
        await Expect(await Platform.PostAsJsonAsync($"/v1/tenants/{tenant.Id}/suspend", new { reason = new string('x', 501) }, Json),
            HttpStatusCode.BadRequest);
        await Expect(await ChangeStatusAsync(Guid.NewGuid(), "suspend"), HttpStatusCode.NotFound);
        await Expect(await ChangeStatusAsync(tenant.Id, "reactivate"), HttpStatusCode.Conflict);
        await Expect(await tenant.Admin.PostAsJsonAsync($"/v1/tenants/{tenant.Id}/suspend", new { reason = "self" }, Json),
            HttpStatusCode.Forbidden);
        Assert.That((await Read<TenantDto>(await Platform.GetAsync($"/v1/tenants/{tenant.Id}"))).Status, Is.EqualTo(TenantStatus.Active));

        await Expect(await ChangeStatusAsync(tenant.Id, "suspend"), HttpStatusCode.OK);
        await Expect(await ChangeStatusAsync(tenant.Id, "suspend", "again"), HttpStatusCode.Conflict);
        Assert.That((await Read<TenantDto>(await Platform.GetAsync($"/v1/tenants/{tenant.Id}"))).StatusReason, Is.EqualTo("Unpaid invoices"));
    }

    [Test]
    public async Task A_suspended_tenants_webhooks_wait_and_are_delivered_after_reactivation()
    {
        await using var receiver = new WebhookReceiver();
        var tenant = await CreateTenantAsync();
        await Expect(await tenant.Admin.PostAsJsonAsync("/v1/webhooks", new { url = receiver.Url, eventTypes = new[] { "*" }, after = 0 }, Json),
            HttpStatusCode.Created);
        await tenant.RegisterConsumerAsync();
        await Expect(await ChangeStatusAsync(tenant.Id, "suspend"), HttpStatusCode.OK);

        var dispatcher = Factory.Services.GetRequiredService<WebhookDispatcher>();
        for (var pass = 0; pass < 5; pass++)
        {
            Assert.That(await dispatcher.RunOnceAsync(CancellationToken.None), Is.Zero);
        }

        Assert.That(receiver.Requests, Is.Empty, "nothing is delivered for a suspended tenant");

        await Expect(await ChangeStatusAsync(tenant.Id, "reactivate", "Paid"), HttpStatusCode.OK);
        var delivered = 0;
        for (var pass = 0; pass < 200 && delivered == 0; pass++)
        {
            delivered += await dispatcher.RunOnceAsync(CancellationToken.None);
            await Task.Delay(10);
        }

        Assert.That(receiver.Accepted, Is.Not.Empty, "the waiting events go out once the tenant is active again");
    }

    /// <summary>
    /// PostgreSQL: a request that passed its authorization before the suspension is held on a row lock, completes with
    /// 200 after the suspension has committed, while the tenant's next request is already refused.
    /// </summary>
    [Test]
    public async Task A_request_in_flight_completes_and_the_next_one_is_refused()
    {
        if (Kind != DatabaseKind.Postgres)
        {
            Assert.Ignore("Holding a request on a row lock needs PostgreSQL's row locks; SQLite has one writer.");
        }

        var tenant = await CreateTenantAsync();
        var consumer = await tenant.RegisterConsumerAsync();
        var complaint = await tenant.FileComplaintAsync(consumer.Id);

        await using var blocker = await ((PostgresTestDatabase)Db).OpenAdminAsync();
        await using var hold = await blocker.BeginTransactionAsync();
        await blocker.ExecuteAsync("SELECT 1 FROM complaints WHERE tenant_id = @T AND id = @Id FOR UPDATE", new { T = tenant.Id, complaint.Id }, hold);

        var inFlight = TransitionAsync(tenant.Admin, complaint.Id, "acknowledge", complaint.Version);
        await WaitUntilBlockedAsync(blocker);

        await Expect(await ChangeStatusAsync(tenant.Id, "suspend"), HttpStatusCode.OK);
        await ExpectSuspendedAsync(await tenant.Admin.GetAsync($"/v1/complaints/{complaint.Id}"));

        await hold.RollbackAsync();
        var completed = await Read<ComplaintDto>(await inFlight);
        Assert.That(completed.Status, Is.EqualTo(Cms.Domain.Complaints.ComplaintStatus.Acknowledged));
    }

    private async Task WaitUntilBlockedAsync(NpgsqlConnection observer)
    {
        var database = ((PostgresTestDatabase)Db).DatabaseName;
        for (var i = 0; i < 500; i++)
        {
            await using var probe = await ((PostgresTestDatabase)Db).OpenAdminAsync();
            var waiting = await probe.ExecuteScalarAsync<long>(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = @Database AND wait_event_type = 'Lock' AND pid <> @Pid",
                new { Database = database, Pid = observer.ProcessID });
            if (waiting > 0)
            {
                return;
            }

            await Task.Delay(20);
        }

        Assert.Fail("the request never reached the row lock");
    }

    private static string AdminSubject(TestTenant tenant) =>
        tenant.Admin.DefaultRequestHeaders.Authorization is { Parameter: { } token }
            ? new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(token).Subject
            : throw new InvalidOperationException("the admin client has no token");
}
