using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Cms.Application.Tenants;
using Cms.Domain.Staff;
using Cms.Infrastructure.Offboarding;
using Cms.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Cms.Tests.Api;

/// <summary>
/// Tenant offboarding (issue 22, docs/adr/0018-tenant-offboarding.md): the export holds every row of every table with a
/// tenant_id column (the test reads the catalogue itself) with matching counts and checksums; the deletion needs a
/// suspended, exported tenant, destroys its keys first, leaves no row of it anywhere and other tenants as they were, and
/// a deletion that crashes part-way is finished by another instance.
/// </summary>
[TestFixture(DatabaseKind.Sqlite)]
[TestFixture(DatabaseKind.Postgres)]
public sealed partial class TenantOffboardingApiTests(DatabaseKind kind) : ApiTestBase(kind)
{
    private CmsApiFactory _second = null!;

    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["Cms:Offboarding:BatchSize"] = "7",
        ["Cms:Offboarding:SweepInterval"] = "01:00:00",
        ["Cms:Offboarding:LeaseDuration"] = "00:00:02",
        ["Cms:Crypto:TenantKeyVault:KeyCacheLifetime"] = "00:00:02",
    };

    [OneTimeSetUp]
    public void StartSecondInstance() => _second = new CmsApiFactory(Db, Settings);

    [OneTimeTearDown]
    public async Task StopSecondInstanceAsync()
    {
        if (_second is not null)
        {
            await _second.DisposeAsync();
        }
    }

    [TearDown]
    public void ForgetCrashHook() => Factory.Services.GetRequiredService<TenantOffboardingRunner>().AfterBatch = null;

    [Test]
    public async Task The_export_holds_every_row_of_every_tenant_table_with_matching_counts_and_checksums()
    {
        var tenant = await SeededTenantAsync();
        var other = await SeededTenantAsync("Other Bank");
        await SuspendAsync(tenant.Id);
        await SettleAsync(tenant.Id);

        var export = await ExportAsync(tenant.Id);
        var tables = await TenantTablesAsync();
        Assert.That(tables, Has.Count.GreaterThan(15), "the catalogue was read");
        Assert.That(export.Manifest.Keys, Is.EquivalentTo(tables), "one manifest entry per table with a tenant_id column");
        foreach (var table in tables)
        {
            var (rows, sha256) = export.Manifest[table];
            var lines = export.Rows.GetValueOrDefault(table) ?? [];
            using (Assert.EnterMultipleScope())
            {
                Assert.That(rows, Is.EqualTo(await CountAsync(table, tenant.Id)), $"{table}: the manifest's count is the database's");
                Assert.That(lines, Has.Count.EqualTo(rows), $"{table}: one line per row");
                Assert.That(sha256, Is.EqualTo(Sha256(lines)), $"{table}: the manifest's checksum is over the lines written");
                Assert.That(lines.Select(l => TenantOf(l)).Distinct(), Is.All.EqualTo(tenant.Id.ToString("D")), $"{table}: only the tenant's rows");
            }

            if (await HasIdColumnAsync(table))
            {
                Assert.That(lines.Select(l => IdOf(l)), Is.EquivalentTo(await IdsAsync(table, tenant.Id)), $"{table}: exactly the rows the database holds");
            }
        }

        Assert.That(export.Manifest["consumers"].Rows, Is.EqualTo(2));
        Assert.That(export.Manifest["complaints"].Rows, Is.EqualTo(2));
        Assert.That(export.Text, Does.Not.Contain("Jane Consumer"), "personal data stays sealed unless the operator asks");
        Assert.That(export.Text, Does.Not.Contain(other.Id.ToString("D")), "nothing of another tenant");
    }

    [Test]
    public async Task Personal_data_is_decrypted_only_on_request_and_only_for_a_suspended_tenant()
    {
        var tenant = await SeededTenantAsync();
        await Expect(await Platform.PostAsync($"/v1/tenants/{tenant.Id}/export?decryptPersonalData=true", null), HttpStatusCode.Conflict);
        await Expect(await Platform.PostAsync($"/v1/tenants/{Guid.NewGuid()}/export", null), HttpStatusCode.NotFound);
        await Expect(await tenant.Admin.PostAsync($"/v1/tenants/{tenant.Id}/export", null), HttpStatusCode.Forbidden);

        await SuspendAsync(tenant.Id);
        var export = await ExportAsync(tenant.Id, decrypt: true);
        Assert.That(export.PersonalData, Has.Count.EqualTo(2));
        Assert.That(export.PersonalData, Has.All.Contains("Jane Consumer"), "each consumer's personal data, decrypted");
        Assert.That(export.Rows["consumers"], Has.None.Contains("Jane Consumer"), "the table rows stay as stored");
    }

    [Test]
    public async Task Deleting_needs_a_suspended_tenant_exported_since_its_suspension_or_an_explicit_override()
    {
        var tenant = await SeededTenantAsync();
        var before = await DatabaseSnapshot.TakeAsync(Db);
        await ExpectProblemAsync(await Platform.DeleteAsync($"/v1/tenants/{tenant.Id}"), HttpStatusCode.Conflict, "tenant.not_suspended");
        await ExpectProblemAsync(await Platform.DeleteAsync($"/v1/tenants/{Guid.NewGuid()}"), HttpStatusCode.NotFound, null);
        await ExpectProblemAsync(await Platform.DeleteAsync($"/v1/tenants/{tenant.Id}?withoutExport=true"), HttpStatusCode.BadRequest, null);
        await ExpectProblemAsync(await tenant.Admin.DeleteAsync($"/v1/tenants/{tenant.Id}"), HttpStatusCode.Forbidden, null);
        Assert.That(await DatabaseSnapshot.TakeAsync(Db), Is.EqualTo(before), "refused requests write nothing");

        await ExportAsync(tenant.Id); // exported while active: the data could still change before the suspension
        await SuspendAsync(tenant.Id);
        await ExpectProblemAsync(await Platform.DeleteAsync($"/v1/tenants/{tenant.Id}"), HttpStatusCode.Conflict, "tenant.not_exported");

        var accepted = await Platform.DeleteAsync($"/v1/tenants/{tenant.Id}?withoutExport=true&reason=Contract%20ended%2C%20data%20returned%20offline");
        var offboarding = await Read<TenantOffboardingDto>(accepted, HttpStatusCode.Accepted);
        Assert.That(accepted.Headers.Location?.ToString(), Is.EqualTo($"/v1/tenants/{tenant.Id:D}/offboarding"));
        Assert.That(offboarding.WithoutExportReason, Is.EqualTo("Contract ended, data returned offline"));
        await WaitCompletedAsync(tenant.Id);
        await ExpectProblemAsync(await Platform.PostAsJsonAsync($"/v1/tenants/{tenant.Id}/reactivate", new { reason = "oops" }, Json),
            HttpStatusCode.Conflict, "tenant.offboarding");
    }

    [Test]
    public async Task Deletion_destroys_the_keys_first_then_every_row_and_leaves_other_tenants_as_they_were()
    {
        var tenant = await SeededTenantAsync();
        var other = await SeededTenantAsync("Other Bank");
        var (_, otherAuditor) = await other.AddStaffAsync(Role.Auditor);
        await SuspendAsync(tenant.Id);
        await SettleAsync(tenant.Id);
        await SettleAsync(other.Id);
        var otherBefore = await CountsAsync(other.Id);
        Assert.That(await LiveKeysAsync(tenant.Id), Is.GreaterThan(0), "the tenant had key material");
        await ExportAsync(tenant.Id);

        var offboarding = await Read<TenantOffboardingDto>(await Platform.DeleteAsync($"/v1/tenants/{tenant.Id}"), HttpStatusCode.Accepted);
        Assert.That(offboarding.ExportEntrySequence, Is.Not.Null, "the export it relies on");
        var done = await WaitCompletedAsync(tenant.Id);

        Assert.That(done.KeysDestroyedAt, Is.Not.Null.And.LessThanOrEqualTo(done.CompletedAt!.Value));
        Assert.That(done.Batches, Is.GreaterThan(1), "bounded batches");
        Assert.That((await CountsAsync(tenant.Id)).Where(c => c.Value > 0), Is.Empty, "no row of the tenant in any table");
        Assert.That(await RegistryRowsAsync(tenant.Id), Is.Zero);
        await Expect(await Platform.GetAsync($"/v1/tenants/{tenant.Id}"), HttpStatusCode.NotFound);
        Assert.That(await CountsAsync(other.Id), Is.EqualTo(otherBefore), "the other tenant's rows are untouched");
        var verified = JsonDocument.Parse(await (await otherAuditor.GetAsync("/v1/audit/verify")).Content.ReadAsStringAsync()).RootElement;
        Assert.That(verified.GetProperty("valid").GetBoolean(), Is.True, "the other tenant's audit chain verifies");
        await Expect(await other.Admin.GetAsync("/v1/staff"), HttpStatusCode.OK);

        var again = await Read<TenantOffboardingDto>(await Platform.DeleteAsync($"/v1/tenants/{tenant.Id}"), HttpStatusCode.Accepted);
        Assert.That(again.State, Is.EqualTo(OffboardingState.Completed), "asking again answers the finished deletion");
    }

    [Test]
    public async Task A_deletion_that_crashes_part_way_is_resumed_by_another_instance_and_completes()
    {
        var tenant = await SeededTenantAsync();
        await SuspendAsync(tenant.Id);
        await SettleAsync(tenant.Id);
        await ExportAsync(tenant.Id);
        var total = (await CountsAsync(tenant.Id)).Values.Sum();

        var crashed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Factory.Services.GetRequiredService<TenantOffboardingRunner>().AfterBatch = batches =>
        {
            if (batches < 3)
            {
                return Task.CompletedTask;
            }

            crashed.TrySetResult();
            throw new InvalidOperationException("the instance dies after its third batch");
        };
        await Expect(await Platform.DeleteAsync($"/v1/tenants/{tenant.Id}"), HttpStatusCode.Accepted);
        await crashed.Task.WaitAsync(TimeSpan.FromSeconds(30));

        var stopped = await Read<TenantOffboardingDto>(await Platform.GetAsync($"/v1/tenants/{tenant.Id}/offboarding"));
        Assert.That(stopped.State, Is.EqualTo(OffboardingState.Deleting));
        Assert.That(stopped.Batches, Is.EqualTo(3));
        Assert.That(stopped.KeysDestroyedAt, Is.Not.Null);
        Assert.That(await LiveKeysAsync(tenant.Id), Is.Zero, "the keys went before the first row");
        Assert.That((await CountsAsync(tenant.Id)).Values.Sum(), Is.EqualTo(total - stopped.RowsDeleted).And.GreaterThan(0));

        // The second instance takes over once the first one's lease has lapsed.
        var second = _second.Services.GetRequiredService<TenantOffboardingRunner>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        TenantOffboardingDto status;
        while ((status = await Read<TenantOffboardingDto>(await Platform.GetAsync($"/v1/tenants/{tenant.Id}/offboarding"))).State != OffboardingState.Completed)
        {
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), "the second instance never finished the deletion");
            await second.RunAsync(tenant.Id, CancellationToken.None);
            await Task.Delay(100);
        }

        Assert.That((await CountsAsync(tenant.Id)).Where(c => c.Value > 0), Is.Empty, "no row of the tenant in any table");
        Assert.That(status.RowsDeleted, Is.EqualTo(total), "each batch counted once, with its commit");
        Assert.That(status.KeysDestroyedAt, Is.EqualTo(stopped.KeysDestroyedAt), "the keys were destroyed once");
    }

    [Test]
    public async Task Platform_actions_form_one_verifiable_chain_and_an_edit_is_found()
    {
        var tenant = await SeededTenantAsync();
        await SuspendAsync(tenant.Id);
        await ExportAsync(tenant.Id);
        await Expect(await Platform.PostAsJsonAsync($"/v1/tenants/{tenant.Id}/reactivate", new { reason = "Paid" }, Json), HttpStatusCode.OK);
        await Expect(await tenant.Admin.GetAsync("/v1/platform-audit/verify"), HttpStatusCode.Forbidden);

        var verified = JsonDocument.Parse(await (await Platform.GetAsync("/v1/platform-audit/verify")).Content.ReadAsStringAsync()).RootElement;
        Assert.That(verified.GetProperty("valid").GetBoolean(), Is.True);
        Assert.That(verified.GetProperty("entriesChecked").GetInt64(), Is.EqualTo(5), "created, suspended, export started, exported, reactivated");
        Assert.That(await PlatformActionsAsync(), Is.EqualTo(new[]
        {
            "tenant.created", "tenant.suspended", "tenant.export_started", "tenant.exported", "tenant.reactivated",
        }));

        await TamperAsync("UPDATE platform_audit_entries SET details = '{\"decryptPersonalData\":true}' WHERE seq = 3");
        var broken = JsonDocument.Parse(await (await Platform.GetAsync("/v1/platform-audit/verify")).Content.ReadAsStringAsync()).RootElement;
        Assert.That(broken.GetProperty("valid").GetBoolean(), Is.False);
        Assert.That(broken.GetProperty("firstBrokenSequence").GetInt64(), Is.EqualTo(3));
    }
}
