using System.Net.Http.Headers;
using System.Net.Http.Json;
using Cms.Api.Demo;
using Cms.Application.Audit.VerifyAuditChain;
using Cms.Application.Common;
using Cms.Application.Complaints;
using Cms.Application.Tenants;
using Cms.Domain.Common;
using Cms.Domain.Complaints;
using Cms.Tests.Support;

namespace Cms.Tests.Api;

/// <summary>
/// <c>seed-demo</c> against a real database: three tenants with staff in every role, complaints in every state (some
/// overdue, some referred), notes, an intact audit chain, tokens that work, and nothing duplicated by a second run.
/// </summary>
[TestFixture(DatabaseKind.Sqlite)]
[TestFixture(DatabaseKind.Postgres)]
public sealed class DemoSeedApiTests(DatabaseKind kind) : ApiTestBase(kind)
{
    private const int ConsumersPerTenant = 30;

    private async Task<(int Code, string Output)> SeedAsync()
    {
        var output = new StringWriter();
        var code = await SeedDemoCommand.RunAsync(
        [
            "seed-demo", "--consumers", ConsumersPerTenant.ToString(System.Globalization.CultureInfo.InvariantCulture),
            $"--Cms:Database:Provider={Db.Kind}",
            $"--Cms:Database:ConnectionString={Db.AppConnectionString}",
            $"--Cms:Auth:Issuer={CmsApiFactory.Auth.Issuer}",
            $"--Cms:Auth:Audience={CmsApiFactory.Auth.Audience}",
            $"--Cms:Auth:SigningKey={CmsApiFactory.Auth.SigningKey}",
            $"--Cms:Audit:HmacKey={CmsApiFactory.AuditKey}",
            $"--Cms:Crypto:MasterKeys:1={CmsApiFactory.MasterKey}",
            $"--Cms:Crypto:TenantKeyVault:Directory={Db.KeyVaultDirectory}",
        ], output, TextWriter.Null);
        return (code, output.ToString());
    }

    private async Task<Dictionary<string, long>> CountRowsAsync()
    {
        await using var connection = Db.OpenPrivileged();
        var counts = new Dictionary<string, long>();
        foreach (var table in new[] { "tenants", "staff_users", "consumers", "complaints", "complaint_notes", "audit_entries" })
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT COUNT(*) FROM {table}";
            counts[table] = Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
        }

        return counts;
    }

    [Test]
    public async Task Seeds_every_tenant_role_and_state_once_with_working_tokens()
    {
        var (code, output) = await SeedAsync();
        Assert.That(code, Is.Zero);
        var afterFirst = await CountRowsAsync();

        var statuses = new HashSet<ComplaintStatus>();
        var overdue = 0;
        foreach (var demo in DemoSeeder.Tenants)
        {
            var found = await Platform.GetFromJsonAsync<Page<TenantDto>>($"/v1/tenants?name={Uri.EscapeDataString(demo.Name)}", Json);
            Assert.That(found!.Items, Has.Count.EqualTo(1), demo.Name);
            var tenant = found.Items[0];
            Assert.That((tenant.Sector, tenant.Jurisdiction), Is.EqualTo((demo.Sector, demo.Jurisdiction)));

            // The printed token of the tenant's auditor is a working credential, and the audit chain it verifies is intact.
            var auditorLine = output.Split('\n').Single(l => l.Contains($" {demo.Slug}-auditor ", StringComparison.Ordinal));
            using var auditor = Factory.CreateClient();
            auditor.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", auditorLine.Trim().Split(' ')[^1]);
            var verify = await auditor.GetFromJsonAsync<AuditVerificationDto>("/v1/audit/verify", Json);
            Assert.That(verify!.Valid, Is.True, demo.Name);
            Assert.That(verify.EntriesChecked, Is.GreaterThan(ConsumersPerTenant));

            using var supervisor = Factory.ClientWithToken(CmsApiFactory.TenantToken(tenant.Id, $"{demo.Slug}-supervisor"));
            var complaints = (await ApiRequests.ReadPagesAsync<ComplaintSummaryDto>(supervisor, "/v1/complaints", Limits.MaxPageSize))
                .SelectMany(p => p).ToList();
            Assert.That(complaints, Has.Count.GreaterThanOrEqualTo(ConsumersPerTenant), demo.Name);
            statuses.UnionWith(complaints.Select(c => c.Status));
            var overduePage = await supervisor.GetFromJsonAsync<Page<ComplaintSummaryDto>>("/v1/complaints?overdue=true", Json);
            overdue += overduePage!.Items.Count;

            foreach (var seat in DemoSeeder.StaffOf(demo))
            {
                Assert.That(output, Does.Contain($" {seat.Subject} "), "a token line for every seat");
            }
        }

        Assert.That(statuses, Is.EquivalentTo(Enum.GetValues<ComplaintStatus>()), "complaints in every state");
        Assert.That(overdue, Is.GreaterThan(0), "some complaints are overdue");
        Assert.That(afterFirst["complaint_notes"], Is.GreaterThan(0));

        // A second run finds everything by its natural key and adds nothing.
        (code, _) = await SeedAsync();
        Assert.That(code, Is.Zero);
        Assert.That(await CountRowsAsync(), Is.EqualTo(afterFirst));
    }
}
