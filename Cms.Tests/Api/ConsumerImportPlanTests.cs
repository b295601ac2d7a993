using System.Text;
using Cms.Api.Import;
using Cms.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Cms.Tests.Api;

/// <summary>
/// The import's foreign-key checks stay index lookups on connections that planned them while consumers was nearly empty.
/// PostgreSQL keeps the keys' check (<c>SELECT 1 FROM ONLY consumers x WHERE tenant_id = $1 AND id = $2 FOR KEY SHARE OF
/// x</c>) as a plan of the backend, made generic after five runs; made while the analysed table held a page, it is a scan
/// of consumers, and kept, each of a batch's 1,000 keys scans the table its batch has just grown (quadratic: 10,000-row
/// batches run into the statement timeout). A backend keeps it as long as nothing resets it: behind PgBouncer in
/// transaction mode (<c>No Reset On Close=true</c>, deploy/) one backend serves every client and transaction. The test
/// connects that way, gives every pooled backend of the service that plan (after a temporary table of its own, as an
/// earlier import leaves: the first one a backend creates resets its plans), imports three batches and counts the scans
/// of consumers PostgreSQL recorded: a plan, not a time.
/// </summary>
[NonParallelizable]
public sealed class ConsumerImportPlanTests() : ApiTestBase(DatabaseKind.Postgres)
{
    private const int Connections = 6;
    private const int BatchSize = 1000;
    private const int Lines = 3 * BatchSize;

    protected override IReadOnlyDictionary<string, string>? Settings => new Dictionary<string, string>
    {
        ["Cms:Import:BatchSize"] = BatchSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Cms:Database:ConnectionString"] = new NpgsqlConnectionStringBuilder(Db.AppConnectionString) { NoResetOnClose = true }.ConnectionString,
    };

    private PostgresTestDatabase Pg => (PostgresTestDatabase)Db;

    [Test]
    public async Task An_import_checks_its_keys_by_index_on_connections_that_planned_the_check_on_an_empty_table()
    {
        var tenant = await CreateTenantAsync();
        await using (var admin = await Support.Connections.OpenAsync(Pg.AdminConnectionString))
        {
            // An empty table analysed as such (autovacuum does it on a fresh database), then the counter before.
            await new NpgsqlCommand("ANALYZE consumers, consumer_keys", admin).ExecuteNonQueryAsync();
        }

        var scansBefore = await ConsumerScansAsync();
        var pids = await PlanTheCheckOnEveryConnectionAsync(tenant.Id);

        var body = string.Concat(Enumerable.Range(1, Lines).Select(i => $$"""{"externalRef":"PLAN-{{i}}","fullName":"Consumer {{i}}"}""" + "\n"));
        var report = await Read<ConsumerImportReport>(await tenant.Admin.PostAsync("/v1/consumers/imports",
            new StringContent(body, Encoding.UTF8, "application/x-ndjson")));
        Assert.That((report.Imported, report.Rejected), Is.EqualTo(((long)Lines, 0L)));

        // A backend's counts reach the statistics when it exits: the pool is emptied and its backends waited for.
        Factory.Services.GetRequiredService<NpgsqlDataSource>().Clear();
        await WaitUntilGoneAsync(pids);
        var scans = await ConsumerScansAsync() - scansBefore;

        // The warm-up's own checks scan the one-page table (at most 8 a connection); the fault scans once a key imported.
        Assert.That(scans, Is.LessThan(Connections * 8 + 100),
            $"{scans} sequential scans of consumers for {Lines} keys imported: the keys' foreign-key check ran with a plan made on an empty table");
    }

    /// <summary>On each of <see cref="Connections"/> pooled connections of the service (held at once, so each is its own
    /// backend), a temporary table created and committed, then eight consumers and keys inserted one statement each and
    /// rolled back: the check runs eight times on a one-page table, the sixth run makes its generic plan, a scan, and the
    /// backend keeps it. Returns the backends.</summary>
    private async Task<List<int>> PlanTheCheckOnEveryConnectionAsync(Guid tenantId)
    {
        var source = Factory.Services.GetRequiredService<NpgsqlDataSource>();
        var connections = new List<NpgsqlConnection>();
        var pids = new List<int>();
        try
        {
            for (var c = 0; c < Connections; c++)
            {
                var connection = await source.OpenConnectionAsync();
                connections.Add(connection);
                pids.Add(connection.ProcessID);
                await using (var temporary = new NpgsqlCommand("BEGIN; CREATE TEMPORARY TABLE plan_warm_up (x int) ON COMMIT DROP; COMMIT", connection))
                {
                    await temporary.ExecuteNonQueryAsync();
                }

                await using var tx = await connection.BeginTransactionAsync();
                await using var set = new NpgsqlCommand($"SET LOCAL app.tenant_id = '{tenantId:D}'", connection, tx);
                await set.ExecuteNonQueryAsync();
                for (var i = 0; i < 8; i++)
                {
                    var id = Guid.CreateVersion7();
                    await using var consumer = new NpgsqlCommand(
                        "INSERT INTO consumers (tenant_id, id, external_ref_bidx, created_at, updated_at, version) VALUES ($1, $2, $3, now(), now(), 1)",
                        connection, tx)
                    { Parameters = { new() { Value = tenantId }, new() { Value = id }, new() { Value = $"warm-{c}-{i}" } } };
                    await consumer.ExecuteNonQueryAsync();
                    await using var key = new NpgsqlCommand(
                        "INSERT INTO consumer_keys (tenant_id, consumer_id, created_at) VALUES ($1, $2, now())", connection, tx)
                    { Parameters = { new() { Value = tenantId }, new() { Value = id } } };
                    await key.ExecuteNonQueryAsync();
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

        return pids;
    }

    private async Task<long> ConsumerScansAsync()
    {
        await using var admin = await Support.Connections.OpenAsync(Pg.AdminConnectionString);
        await using var command = new NpgsqlCommand("SELECT seq_scan FROM pg_stat_user_tables WHERE relname = 'consumers'", admin);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private async Task WaitUntilGoneAsync(List<int> pids)
    {
        await using var admin = await Support.Connections.OpenAsync(Pg.AdminConnectionString);
        for (var attempt = 0; attempt < 200; attempt++)
        {
            await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY($1)", admin)
            { Parameters = { new() { Value = pids.ToArray() } } };
            if ((long)(await command.ExecuteScalarAsync())! == 0)
            {
                return;
            }

            await Task.Delay(50);
        }

        Assert.Fail("the service's backends did not exit within 10 s of the pool being cleared");
    }
}
