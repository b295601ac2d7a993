using System.Net;
using System.Net.Http.Json;
using Cms.Api.Maintenance;
using Cms.Application.Common;
using Cms.Application.Complaints;
using Cms.Application.Reports;
using Cms.Infrastructure.Persistence;
using Cms.Infrastructure.Privacy;
using Cms.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Cms.Tests.Privacy;

/// <summary>
/// The online conversion of rows written before free text was sealed (issue 19 item 2, ADR 0013): stopped half-way and
/// run again while the service writes, it seals every legacy row once, with progress; nothing of the plaintext stays at
/// rest, the API reads the same text, the return's figures do not move, keyword search finds the words, in their tenant
/// only; the command line does the same.
/// </summary>
[TestFixture(DatabaseKind.Sqlite)]
[TestFixture(DatabaseKind.Postgres)]
public sealed class FreeTextConversionTests(DatabaseKind kind) : ApiTestBase(kind)
{
    private const string Marker = "Wombatmarker";

    private sealed class StopException() : Exception("stopped half-way");

    /// <summary>A tenant with <paramref name="complaints"/> complaints and a note each, turned back into legacy rows: plaintext,
    /// text_sealed = false, the first one's vulnerability driver in the plain columns, no keywords.</summary>
    private async Task<(TestTenant Tenant, List<ComplaintDto> Complaints)> LegacyTenantAsync(string name, int complaints)
    {
        var tenant = await CreateTenantAsync(name);
        var consumer = await tenant.RegisterConsumerAsync();
        var filed = new List<ComplaintDto>();
        for (var i = 0; i < complaints; i++)
        {
            var complaint = await tenant.FileComplaintAsync(consumer.Id);
            await Expect(await tenant.Admin.PostAsJsonAsync($"/v1/complaints/{complaint.Id}/notes", new { kind = "internal", body = "placeholder" }, Json),
                HttpStatusCode.Created);
            await AtRest.SqlAsync(Db, $"""
                UPDATE complaints SET description = '{Marker}-DESC-{i} quetzal charged twice', text_sealed = false,
                       vulnerability_involved = {(i == 0 ? "true" : "false")}, vulnerability_health = {(i == 0 ? "true" : "false")},
                       vulnerability_details = NULL WHERE id = '{complaint.Id:D}'
                """);
            await AtRest.SqlAsync(Db, $"UPDATE complaint_notes SET body = '{Marker}-NOTE-{i}', text_sealed = false WHERE complaint_id = '{complaint.Id:D}'");
            filed.Add(complaint);
        }

        await AtRest.SqlAsync(Db, $"DELETE FROM complaint_keywords WHERE tenant_id = '{tenant.Id:D}'");
        return (tenant, filed);
    }

    private async Task<long> UnsealedAsync() =>
        long.Parse((await AtRest.ScalarAsync(Db, "SELECT (SELECT COUNT(*) FROM complaints WHERE text_sealed = false) + (SELECT COUNT(*) FROM complaint_notes WHERE text_sealed = false)"))!,
            System.Globalization.CultureInfo.InvariantCulture);

    private static async Task<ComplaintsReportDto> ReportAsync(TestTenant tenant)
    {
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        return await Read<ComplaintsReportDto>(await tenant.Admin.GetAsync(
            $"/v1/reports/complaints?from={today.AddDays(-3):yyyy-MM-dd}&to={today.AddDays(3):yyyy-MM-dd}"));
    }

    [Test]
    public async Task Stopped_half_way_and_run_again_while_the_service_writes_it_seals_every_legacy_row_once()
    {
        var (a, complaints) = await LegacyTenantAsync("Legacy Bank", 5);
        var (b, _) = await LegacyTenantAsync("Other Legacy Bank", 1);
        var legacy = await UnsealedAsync();
        Assert.That(legacy, Is.EqualTo(12));
        var before = await ReportAsync(a);
        Assert.That(before.Vulnerability.Health, Is.EqualTo(1));

        var conversion = new FreeTextConversion(Factory.Services.GetRequiredService<TenantWork>(), TimeProvider.System);
        var reports = new LockedCollection<FreeTextConversionProgress>();
        await Assert.ThatAsync(() => conversion.RunAsync(2, null, p =>
        {
            reports.Add(p);
            if (reports.Count == 2)
            {
                throw new StopException();
            }
        }, CancellationToken.None), Throws.TypeOf<StopException>());
        Assert.That(await UnsealedAsync(), Is.EqualTo(legacy - 4), "two committed batches of two");

        // Run again while the service adds notes to the same complaints (sealed on write; the converter skips nothing it should seal).
        reports.Clear();
        var writes = complaints.Select(c => a.Admin.PostAsJsonAsync($"/v1/complaints/{c.Id}/notes", new { kind = "internal", body = "written meanwhile" }, Json));
        var run = conversion.RunAsync(2, null, reports.Add, CancellationToken.None);
        foreach (var response in await Task.WhenAll(writes))
        {
            await Expect(response, HttpStatusCode.Created);
        }

        Assert.That(await run, Is.EqualTo(legacy - 4));
        Assert.That(await UnsealedAsync(), Is.Zero);
        var finals = reports.Snapshot().GroupBy(p => (p.TenantId, p.Table)).Select(g => g.Last()).ToList();
        Assert.That(finals, Has.Count.EqualTo(4).And.All.Property(nameof(FreeTextConversionProgress.Finished)).True);
        Assert.That(await conversion.RunAsync(2, null, _ => { }, CancellationToken.None), Is.Zero, "nothing left for a third run");

        await AtRest.CheckpointAsync(Db);
        Assert.That(await AtRest.DumpAsync(Db), Does.Not.Contain(Marker).IgnoreCase);
        for (var i = 0; i < complaints.Count; i++)
        {
            var read = await Read<ComplaintDto>(await a.Admin.GetAsync($"/v1/complaints/{complaints[i].Id}"));
            var notes = await Read<Page<NoteDto>>(await a.Admin.GetAsync($"/v1/complaints/{complaints[i].Id}/notes"));
            Assert.That(read.Description, Is.EqualTo($"{Marker}-DESC-{i} quetzal charged twice"));
            Assert.That(notes.Items.Select(n => n.Body), Does.Contain($"{Marker}-NOTE-{i}").And.Contain("written meanwhile"));
        }

        Assert.That((await ReportAsync(a)).Vulnerability, Is.EqualTo(before.Vulnerability), "the plain driver became a tally");
        var found = await Read<Page<ComplaintSummaryDto>>(await a.Admin.GetAsync("/v1/complaints?q=quetzal&limit=50"));
        Assert.That(found.Items.Select(c => c.Id), Is.EquivalentTo(complaints.Select(c => c.Id)), "indexed, and only in its own tenant");
        Assert.That((await Read<Page<ComplaintSummaryDto>>(await b.Admin.GetAsync("/v1/complaints?q=quetzal&limit=50"))).Items, Has.Count.EqualTo(1));
    }

    [Test]
    public async Task The_command_line_seals_a_tenant_with_progress_and_refuses_bad_arguments()
    {
        var (tenant, complaints) = await LegacyTenantAsync("Command Bank", 1);
        string[] Args(params string[] extra) =>
        [
            SealFreeTextCommandLine.Name, .. extra,
            "--Cms:Database:Provider", Kind.ToString(), "--Cms:Database:ConnectionString", Db.AppConnectionString,
            "--Cms:Auth:Issuer", CmsApiFactory.Auth.Issuer, "--Cms:Auth:SigningKey", CmsApiFactory.Auth.SigningKey!,
            "--Cms:Audit:HmacKey", CmsApiFactory.AuditKey, "--Cms:Crypto:MasterKeys:1", CmsApiFactory.MasterKey,
            "--Cms:Crypto:ActiveMasterKeyVersion", "1", "--Cms:Crypto:TenantKeyVault:Directory", Db.KeyVaultDirectory,
        ];

        foreach (var bad in new[] { new[] { "--batch", "0" }, ["--batch", "ten"], ["--tenant", "nobody"] })
        {
            var refused = new StringWriter();
            Assert.That(await SealFreeTextCommandLine.RunAsync(Args(bad), new StringWriter(), refused), Is.EqualTo(2));
            Assert.That(refused.ToString(), Does.StartWith("usage: seal-free-text"));
        }

        Assert.That(await UnsealedAsync(), Is.EqualTo(2), "bad arguments seal nothing");
        var output = new StringWriter();
        var error = new StringWriter();
        Assert.That(await SealFreeTextCommandLine.RunAsync(Args("--tenant", tenant.Id.ToString(), "--batch", "1"), output, error), Is.Zero, error.ToString());
        Assert.That(output.ToString().Trim(), Is.EqualTo("2 row(s) sealed."));
        Assert.That(error.ToString(), Does.Contain($"[seal-free-text] tenant {tenant.Id} complaints: 1/1 rows").And.Contain("complaint_notes: 1/1 rows"));
        Assert.That(await UnsealedAsync(), Is.Zero);
        Assert.That((await Read<ComplaintDto>(await tenant.Admin.GetAsync($"/v1/complaints/{complaints[0].Id}"))).Description,
            Is.EqualTo($"{Marker}-DESC-0 quetzal charged twice"));
    }
}
