using System.Net;
using System.Net.Http.Json;
using Cms.Api.Maintenance;
using Cms.Application.Common;
using Cms.Application.Complaints;
using Cms.Application.Reports;
using Cms.Infrastructure.Persistence;
using Cms.Infrastructure.Privacy;
using Cms.Tests.Support;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

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

    /// <summary>The keyword rows of the tenant against what its legacy texts index to when each is indexed once (a
    /// description's distinct words and a note's, each to its complaint), and the complaints without any.</summary>
    private async Task<(long Rows, long Expected, long Unindexed)> IndexAsync(TestTenant tenant, int complaints)
    {
        long expected = 0;
        for (var i = 0; i < complaints; i++)
        {
            expected += SearchWords.Of($"{Marker}-DESC-{i} quetzal charged twice").Count + SearchWords.Of($"{Marker}-NOTE-{i}").Count;
        }

        long Count(string? value) => long.Parse(value!, System.Globalization.CultureInfo.InvariantCulture);
        return (Count(await AtRest.ScalarAsync(Db, $"SELECT count(*) FROM complaint_keywords WHERE tenant_id = '{tenant.Id:D}'")), expected,
            Count(await AtRest.ScalarAsync(Db, $"""
                SELECT count(*) FROM complaints c WHERE c.tenant_id = '{tenant.Id:D}'
                  AND NOT EXISTS (SELECT 1 FROM complaint_keywords k WHERE k.tenant_id = c.tenant_id AND k.complaint_id = c.id)
                """)));
    }

    [Test]
    public async Task A_batch_that_fails_half_way_leaves_nothing_of_it_and_the_next_run_carries_on_indexing_each_row_once()
    {
        var (tenant, _) = await LegacyTenantAsync("Failing Legacy Bank", 5);
        var third = await AtRest.ScalarAsync(Db, $"SELECT id FROM complaints WHERE tenant_id = '{tenant.Id:D}' ORDER BY id LIMIT 1 OFFSET 2");
        var conversion = new FreeTextConversion(Factory.Services.GetRequiredService<TenantWork>(), TimeProvider.System);

        // The second batch (the third and fourth complaints) fails after its UPDATE, at its keyword rows.
        await using (await RefusedWrite.InstallAsync(Db, "complaint_keywords", "INSERT", $"NEW.complaint_id = '{third}'"))
        {
            await Assert.ThatAsync(() => conversion.RunAsync(2, tenant.Id, _ => { }, CancellationToken.None), Throws.Exception);
        }

        Assert.That(await UnsealedAsync(), Is.EqualTo(8), "the first batch committed; nothing of the second");
        Assert.That(await AtRest.ScalarAsync(Db, $"SELECT count(*) FROM complaints WHERE id = '{third}' AND text_sealed = false"), Is.EqualTo("1"));
        Assert.That(await conversion.RunAsync(2, tenant.Id, _ => { }, CancellationToken.None), Is.EqualTo(8));
        Assert.That(await UnsealedAsync(), Is.Zero);
        var index = await IndexAsync(tenant, 5);
        Assert.That((index.Rows, index.Unindexed), Is.EqualTo((index.Expected, 0L)), "every text indexed, none twice");
    }

    [Test]
    public async Task Two_instances_at_once_share_the_rows_and_seal_each_once()
    {
        var (tenant, complaints) = await LegacyTenantAsync("Shared Legacy Bank", 6);
        await using var second = new CmsApiFactory(Db);
        var instances = new[] { Factory, second }.Select(f => new FreeTextConversion(f.Services.GetRequiredService<TenantWork>(), TimeProvider.System));
        var sealedRows = await Task.WhenAll(instances.Select(c => c.RunAsync(1, tenant.Id, _ => { }, CancellationToken.None)));
        Assert.That(sealedRows.Sum(), Is.EqualTo(12), "each row counted by the instance that sealed it, once");
        Assert.That(await UnsealedAsync(), Is.Zero);
        var index = await IndexAsync(tenant, 6);
        Assert.That((index.Rows, index.Unindexed), Is.EqualTo((index.Expected, 0L)), "every text indexed, none twice");
        var found = await Read<Page<ComplaintSummaryDto>>(await tenant.Admin.GetAsync("/v1/complaints?q=quetzal&limit=50"));
        Assert.That(found.Items.Select(c => c.Id), Is.EquivalentTo(complaints.Select(c => c.Id)));
    }

    [Test]
    public async Task A_row_another_transaction_holds_is_passed_over_not_waited_for_and_sealed_by_the_next_run()
    {
        if (Kind != DatabaseKind.Postgres)
        {
            Assert.Ignore("Holding a row needs PostgreSQL's row locks; SQLite has one writer.");
        }

        var (tenant, complaints) = await LegacyTenantAsync("Busy Legacy Bank", 3);
        var conversion = new FreeTextConversion(Factory.Services.GetRequiredService<TenantWork>(), TimeProvider.System);
        await using (var blocker = new NpgsqlConnection(((PostgresTestDatabase)Db).AdminConnectionString))
        {
            // The service (or another instance) in the middle of a write of the second complaint: the lock its UPDATE takes.
            await blocker.OpenAsync();
            await using var hold = await blocker.BeginTransactionAsync();
            await blocker.ExecuteAsync("SELECT 1 FROM complaints WHERE tenant_id = @T AND id = @Id FOR NO KEY UPDATE", new { T = tenant.Id, complaints[1].Id }, hold);
            using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            Assert.That(await conversion.RunAsync(2, tenant.Id, _ => { }, bound.Token), Is.EqualTo(5), "all but the held complaint, without waiting for it");
            Assert.That(await AtRest.ScalarAsync(Db, $"SELECT count(*) FROM complaints WHERE id = '{complaints[1].Id:D}' AND text_sealed = false"), Is.EqualTo("1"));
        }

        Assert.That(await conversion.RunAsync(2, tenant.Id, _ => { }, CancellationToken.None), Is.EqualTo(1));
        Assert.That(await UnsealedAsync(), Is.Zero);
        var index = await IndexAsync(tenant, 3);
        Assert.That((index.Rows, index.Unindexed), Is.EqualTo((index.Expected, 0L)));
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
