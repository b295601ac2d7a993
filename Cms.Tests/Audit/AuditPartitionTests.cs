using System.Net.Http.Json;
using Cms.Application.Abstractions;
using Cms.Application.Audit;
using Cms.Application.Audit.VerifyAuditChain;
using Cms.Domain.Audit;
using Cms.Domain.Common;
using Cms.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Cms.Tests.Audit;

/// <summary>
/// PostgreSQL: audit_entries is partitioned by month (migration AuditEntriesPartitioned). Entries are appended through
/// the real audit repository (as cms_app under row-level security) at chosen instants on both sides of month
/// boundaries, and the real verifier walks the chain across partitions. Also: a month without a partition refuses the
/// write and loses nothing; the service's function creates partitions ahead but only within its bound; partitions are
/// closed to direct access and append-only themselves; the migration moves existing entries (and its Down moves them
/// back).
/// </summary>
public sealed partial class AuditPartitionTests : HostlessTests<PostgresTestDatabase>
{
    protected override Task<PostgresTestDatabase> CreateDatabaseAsync() => PostgresTestDatabase.CreateAsync();

    /// <summary>The first instant of the current month (UTC): the migration made it and three months after it.</summary>
    private static DateTimeOffset MonthStart(int monthsFromNow)
    {
        var now = DateTimeOffset.UtcNow;
        return new DateTimeOffset(now.Year, now.Month, 1, 0, 0, 0, TimeSpan.Zero).AddMonths(monthsFromNow);
    }

    private static string PartitionOf(DateTimeOffset instant) => $"audit_entries_p{instant:yyyy_MM}";

    private static AuditEntry Entry(Guid tenantId, DateTimeOffset at, string action = "complaint.acknowledged") =>
        new(Ids.New(), tenantId, AuditChain.Normalise(at), ActorType.Staff, "staff-1", action, "complaint", Guid.NewGuid(), ["status"], null);

    /// <summary>Appends, then seals at once, so the chain's order is the order of these calls.</summary>
    private async Task AppendAsync(AuditEntry entry)
    {
        await InTenantAsync(entry.TenantId, async sp =>
        {
            await sp.GetRequiredService<IAuditRepository>().AppendAsync(entry, Ct);
            return true;
        });
        await Services.GetRequiredService<Cms.Infrastructure.Audit.ChangeSealer>().SealAsync(entry.TenantId, waitForTurn: true, Ct);
    }

    private async Task<AuditVerificationDto> VerifyAsync(Guid tenantId) =>
        await InTenantAsync(tenantId, async sp =>
        {
            var handler = new VerifyAuditChainHandler(sp.GetRequiredService<IAuditChainReader>(), sp.GetRequiredService<AuditChain>());
            return (await handler.Handle(new VerifyAuditChainQuery(), Ct)).Value;
        }, commit: false);

    /// <summary>Entries on both sides of two month boundaries, in chain order.</summary>
    private async Task<List<AuditEntry>> AcrossBoundariesAsync(Guid tenantId)
    {
        var entries = new List<AuditEntry>
        {
            Entry(tenantId, MonthStart(1).AddTicks(-10)),          // the last microsecond of this month
            Entry(tenantId, MonthStart(1)),                         // the first of the next
            Entry(tenantId, MonthStart(1).AddDays(12).AddHours(5)),
            Entry(tenantId, MonthStart(2).AddTicks(-10)),
            Entry(tenantId, MonthStart(2).AddTicks(10)),
        };
        foreach (var entry in entries)
        {
            await AppendAsync(entry);
        }

        return entries;
    }

    private async Task ExecuteAsync(string connectionString, string sql, bool bypassTriggers = false)
    {
        await using var connection = await Connections.OpenAsync(connectionString);
        if (bypassTriggers)
        {
            await using var replica = new NpgsqlCommand("SET session_replication_role = replica", connection);
            await replica.ExecuteNonQueryAsync();
        }

        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private async Task<Dictionary<Guid, string>> PartitionsOfEntriesAsync()
    {
        await using var admin = await Db.OpenAdminAsync();
        await using var command = new NpgsqlCommand("SELECT id, tableoid::regclass::text FROM audit_entries", admin);
        await using var reader = await command.ExecuteReaderAsync();
        var map = new Dictionary<Guid, string>();
        while (await reader.ReadAsync())
        {
            map[reader.GetGuid(0)] = reader.GetString(1);
        }

        return map;
    }

    [Test]
    public async Task Audit_entries_is_a_partitioned_table_with_the_partition_key_in_its_primary_key()
    {
        await using var admin = await Db.OpenAdminAsync();
        await using var command = new NpgsqlCommand(
            """
            SELECT c.relkind::text, pg_get_partkeydef(c.oid),
                   (SELECT pg_get_constraintdef(k.oid) FROM pg_constraint k WHERE k.conrelid = c.oid AND k.contype = 'p')
            FROM pg_class c WHERE c.oid = 'public.audit_entries'::regclass
            """, admin);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.That(await reader.ReadAsync(), Is.True);
        Assert.Multiple(() =>
        {
            Assert.That(reader.GetString(0), Is.EqualTo("p"));
            Assert.That(reader.GetString(1), Is.EqualTo("RANGE (occurred_at)"));
            Assert.That(reader.GetString(2), Is.EqualTo("PRIMARY KEY (tenant_id, occurred_at, id)"));
        });
    }

    [Test]
    public async Task The_migration_created_the_current_month_and_three_ahead_and_no_default_partition()
    {
        await using var admin = await Db.OpenAdminAsync();
        await using var command = new NpgsqlCommand(
            """
            SELECT c.relname, pg_get_expr(c.relpartbound, c.oid)
            FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
            WHERE i.inhparent = 'public.audit_entries'::regclass ORDER BY c.relname
            """, admin);
        var partitions = new Dictionary<string, string>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                partitions[reader.GetString(0)] = reader.GetString(1);
            }
        }

        var expected = Enumerable.Range(0, 4).Select(m => PartitionOf(MonthStart(m))).ToList();
        Assert.That(partitions.Keys, Is.SupersetOf(expected));
        Assert.That(partitions.Values, Has.None.EqualTo("DEFAULT"));
        Assert.That(partitions[PartitionOf(MonthStart(1))],
            Is.EqualTo($"FOR VALUES FROM ('{MonthStart(1):yyyy-MM-dd} 00:00:00+00') TO ('{MonthStart(2):yyyy-MM-dd} 00:00:00+00')"));
    }

    [Test]
    public async Task Entries_land_in_the_partition_of_their_month()
    {
        var tenantId = await CreateTenantAsync("Partitioned Bank");
        var entries = await AcrossBoundariesAsync(tenantId);

        var partitions = await PartitionsOfEntriesAsync();

        Assert.That(entries.Select(e => partitions[e.Id]),
            Is.EqualTo(new[] { MonthStart(0), MonthStart(1), MonthStart(1), MonthStart(1), MonthStart(2) }.Select(PartitionOf)));
    }

    [Test]
    public async Task The_chain_verifies_across_month_boundaries_and_lists_in_order()
    {
        var tenantId = await CreateTenantAsync("Partitioned Bank");
        var entries = await AcrossBoundariesAsync(tenantId);

        Assert.That(await VerifyAsync(tenantId), Is.EqualTo(new AuditVerificationDto(true, entries.Count, null, null)));
        var listed = await InTenantAsync(tenantId, sp => sp.GetRequiredService<IAuditQueries>().ListAsync(null, null, 3, null, Ct), commit: false);
        Assert.That(Cms.Application.Common.Cursor.TryDecode(listed.NextCursor, out var after), Is.True);
        var rest = await InTenantAsync(tenantId, sp => sp.GetRequiredService<IAuditQueries>().ListAsync(null, null, 10, after, Ct),
            commit: false);
        Assert.That(listed.Items.Concat(rest.Items).Select(e => e.Id), Is.EqualTo(entries.Select(e => e.Id)),
            "keyset paging runs across partitions in time order");
    }

    [Test]
    public async Task An_edit_in_a_later_partition_is_found()
    {
        var tenantId = await CreateTenantAsync("Partitioned Bank");
        var entries = await AcrossBoundariesAsync(tenantId);
        await ExecuteAsync(Db.AdminConnectionString, $"UPDATE audit_entries SET actor_id = 'someone-else' WHERE id = '{entries[3].Id:D}'",
            bypassTriggers: true);

        var result = await VerifyAsync(tenantId);

        Assert.That(result.Valid, Is.False);
        Assert.That(result.FirstBrokenEntryId, Is.EqualTo(entries[3].Id));
        Assert.That(result.Problem, Does.Contain("edited"));
    }
}

/// <summary>
/// The failure mode of a missing month partition through the API: the command that would write the audit entry answers
/// 503 (problem+json) and changes nothing; once the month's partition is back, the same request succeeds.
/// </summary>
public sealed class AuditPartitionApiTests() : ApiTestBase(DatabaseKind.Postgres)
{
    [Test]
    public async Task A_change_whose_audit_month_has_no_partition_answers_503_and_changes_nothing()
    {
        var tenant = await CreateTenantAsync("Partitioned Bank");
        var pg = (PostgresTestDatabase)Db;
        var now = DateTimeOffset.UtcNow;
        var month = new DateTimeOffset(now.Year, now.Month, 1, 0, 0, 0, TimeSpan.Zero);
        var partition = $"audit_entries_p{month:yyyy_MM}";

        async Task AdminAsync(string sql)
        {
            await using var connection = await pg.OpenAdminAsync();
            await using var command = new NpgsqlCommand(sql, connection);
            await command.ExecuteNonQueryAsync();
        }

        async Task<long> ConsumersAsync()
        {
            await using var connection = await pg.OpenAdminAsync();
            await using var command = new NpgsqlCommand("SELECT count(*) FROM consumers WHERE tenant_id = @t", connection);
            command.Parameters.AddWithValue("t", tenant.Id);
            return (long)(await command.ExecuteScalarAsync())!;
        }

        await AdminAsync($"ALTER TABLE audit_entries DETACH PARTITION {partition}");
        try
        {
            var response = await tenant.Admin.PostAsJsonAsync("/v1/consumers", new { externalRef = "EXT-1", fullName = "Jane Consumer" }, Json);
            Assert.That(response.StatusCode, Is.EqualTo(System.Net.HttpStatusCode.ServiceUnavailable));
            Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
            Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain("was not made"));
            Assert.That(await ConsumersAsync(), Is.Zero, "the consumer was not registered without its audit entry");
        }
        finally
        {
            await AdminAsync(
                $"ALTER TABLE audit_entries ATTACH PARTITION {partition} FOR VALUES FROM ('{month:yyyy-MM-dd} 00:00:00+00') TO ('{month.AddMonths(1):yyyy-MM-dd} 00:00:00+00')");
        }

        await Expect(await tenant.Admin.PostAsJsonAsync("/v1/consumers", new { externalRef = "EXT-1", fullName = "Jane Consumer" }, Json),
            System.Net.HttpStatusCode.Created);
        Assert.That(await ConsumersAsync(), Is.EqualTo(1L));
    }
}
