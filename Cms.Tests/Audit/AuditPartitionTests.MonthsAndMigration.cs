using Cms.Application.Abstractions;
using Cms.Application.Audit.VerifyAuditChain;
using Cms.Migrations;
using Cms.Tests.Support;
using Npgsql;

namespace Cms.Tests.Audit;

public sealed partial class AuditPartitionTests
{
    [Test]
    public async Task Moving_an_entry_into_another_month_is_found()
    {
        var tenantId = await CreateTenantAsync("Partitioned Bank");
        var entries = await AcrossBoundariesAsync(tenantId);
        // The row moves from the next month's partition into this month's.
        await ExecuteAsync(Db.AdminConnectionString,
            $"UPDATE audit_entries SET occurred_at = occurred_at - interval '1 second' WHERE id = '{entries[1].Id:D}'", bypassTriggers: true);
        Assert.That((await PartitionsOfEntriesAsync())[entries[1].Id], Is.EqualTo(PartitionOf(MonthStart(0))));

        var result = await VerifyAsync(tenantId);

        Assert.That(result.Valid, Is.False);
        Assert.That(result.FirstBrokenEntryId, Is.EqualTo(entries[1].Id));
    }

    [Test]
    public async Task Dropping_a_whole_month_is_found_at_the_first_entry_after_it()
    {
        var tenantId = await CreateTenantAsync("Partitioned Bank");
        var entries = await AcrossBoundariesAsync(tenantId);
        // An attacker with DDL rights detaches the next month's partition (its three entries vanish from the table).
        await ExecuteAsync(Db.AdminConnectionString, $"ALTER TABLE audit_entries DETACH PARTITION {PartitionOf(MonthStart(1))}");
        try
        {
            var result = await VerifyAsync(tenantId);

            Assert.That(result.Valid, Is.False);
            Assert.That(result.FirstBrokenEntryId, Is.EqualTo(entries[4].Id));
        }
        finally
        {
            await ExecuteAsync(Db.AdminConnectionString,
                $"ALTER TABLE audit_entries ATTACH PARTITION {PartitionOf(MonthStart(1))} FOR VALUES FROM ('{MonthStart(1):yyyy-MM-dd} 00:00:00+00') TO ('{MonthStart(2):yyyy-MM-dd} 00:00:00+00')");
        }
    }

    [Test]
    public async Task A_month_without_a_partition_refuses_the_entry_and_loses_nothing()
    {
        var tenantId = await CreateTenantAsync("Partitioned Bank");
        var entries = await AcrossBoundariesAsync(tenantId);
        var farAhead = MonthStart(60).AddDays(3);

        var refused = await Assert.ThrowsAsync<StorageNotReadyException>(() => AppendAsync(Entry(tenantId, farAhead)));
        var cause = refused!.InnerException as PostgresException;
        Assert.That(cause?.SqlState, Is.EqualTo(PostgresErrorCodes.CheckViolation));
        Assert.That(cause!.MessageText, Does.Contain("no partition"));
        Assert.That(await VerifyAsync(tenantId), Is.EqualTo(new AuditVerificationDto(true, entries.Count, null, null)),
            "the refused entry's transaction rolled back, chain head included");

        // The operator creates the month (as the owner), and the same write goes through.
        await using (var owner = await Connections.OpenAsync(Db.OwnerConnectionString))
        {
            await using var create = new NpgsqlCommand("SELECT create_audit_entry_partitions(@at, @at)", owner);
            create.Parameters.AddWithValue("at", farAhead);
            Assert.That(await create.ExecuteScalarAsync(), Is.EqualTo(1));
        }

        var late = Entry(tenantId, farAhead);
        await AppendAsync(late);
        Assert.That((await PartitionsOfEntriesAsync())[late.Id], Is.EqualTo(PartitionOf(farAhead)));
        Assert.That((await VerifyAsync(tenantId)).Valid, Is.True);
    }

    [Test]
    public async Task The_service_role_creates_partitions_ahead_only_through_its_bounded_function()
    {
        await using var app = Db.OpenApp();
        await using (var ensure = new NpgsqlCommand("SELECT ensure_audit_entry_partitions(1000)", app))
        {
            await ensure.ExecuteScalarAsync();
        }

        await using var admin = await Db.OpenAdminAsync();
        await using (var count = new NpgsqlCommand(
            "SELECT count(*) FROM pg_inherits WHERE inhparent = 'public.audit_entries'::regclass AND inhrelid::regclass::text = @name", admin))
        {
            count.Parameters.AddWithValue("name", PartitionOf(MonthStart(24)));
            Assert.That(await count.ExecuteScalarAsync(), Is.EqualTo(1L), "24 months ahead exist");
            count.Parameters["name"].Value = PartitionOf(MonthStart(25));
            Assert.That(await count.ExecuteScalarAsync(), Is.EqualTo(0L), "cms_app's request is capped at 24 months");
        }

        await using (var again = new NpgsqlCommand("SELECT ensure_audit_entry_partitions(24)", app))
        {
            Assert.That(await again.ExecuteScalarAsync(), Is.EqualTo(0), "idempotent: nothing left to create");
        }

        var denied = await Assert.ThrowsAsync<PostgresException>(async () =>
        {
            await using var direct = new NpgsqlCommand("SELECT create_audit_entry_partitions(now(), now() + interval '50 years')", app);
            await direct.ExecuteScalarAsync();
        });
        Assert.That(denied!.SqlState, Is.EqualTo(PostgresErrorCodes.InsufficientPrivilege), "the unbounded function is the owner's");
        Assert.That(await Cms.Tests.Isolation.TenantCatalog.RoleViolationsAsync(admin), Is.Empty, "partitions made for cms_app belong to the owner");
        Assert.That(await Cms.Tests.Isolation.TenantCatalog.PartitionViolationsAsync(admin), Is.Empty);
    }

    [Test]
    public async Task A_partition_is_closed_to_direct_access_and_append_only_itself()
    {
        var tenantId = await CreateTenantAsync("Partitioned Bank");
        await AcrossBoundariesAsync(tenantId);
        var partition = PartitionOf(MonthStart(1));

        await using (var app = Db.OpenApp())
        {
            var denied = await Assert.ThrowsAsync<PostgresException>(async () =>
            {
                await using var read = new NpgsqlCommand($"SELECT count(*) FROM {partition}", app);
                await read.ExecuteScalarAsync();
            });
            Assert.That(denied!.SqlState, Is.EqualTo(PostgresErrorCodes.InsufficientPrivilege));
        }

        // The owner reading the partition directly is held by its own forced policy: nothing without a tenant.
        await using (var owner = await Connections.OpenAsync(Db.OwnerConnectionString))
        {
            await using var read = new NpgsqlCommand($"SELECT count(*) FROM {partition}", owner);
            Assert.That(await read.ExecuteScalarAsync(), Is.Zero);
        }

        foreach (var sql in new[] { $"UPDATE {partition} SET action = 'x'", $"DELETE FROM {partition}", $"TRUNCATE {partition}" })
        {
            var refused = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(Db.AdminConnectionString, sql));
            Assert.That(refused!.SqlState, Is.EqualTo(PostgresErrorCodes.InsufficientPrivilege), sql);
        }

        Assert.That((await VerifyAsync(tenantId)).Valid, Is.True);
    }

    [Test]
    public async Task The_migration_moves_existing_entries_into_partitions_and_its_rollback_moves_them_back()
    {
        await using var scratch = await PostgresTestDatabase.CreateAsync();
        CmsMigrator.Rollback(CmsMigrator.Postgres, scratch.OwnerConnectionString, 202611250004);
        var tenantId = Guid.NewGuid();
        var instants = new[] { MonthStart(-14).AddDays(3), MonthStart(-1).AddHours(7), MonthStart(0).AddMinutes(1) };
        await using (var admin = await scratch.OpenAdminAsync())
        {
            await using var relkind = new NpgsqlCommand("SELECT relkind::text FROM pg_class WHERE oid = 'public.audit_entries'::regclass", admin);
            Assert.That(await relkind.ExecuteScalarAsync(), Is.EqualTo("r"), "rolled back to the plain table");
            await using var seed = new NpgsqlCommand(
                """
                INSERT INTO tenants (id, name, sector, jurisdiction, status, created_at) VALUES (@t, 'Old Bank', 'banking', 'UK', 'active', now());
                INSERT INTO audit_entries (tenant_id, id, occurred_at, actor_type, actor_id, action, entity_type, entity_id, changed_fields, seq)
                SELECT @t, gen_random_uuid(), at, 'staff', 'staff-1', 'complaint.filed', 'complaint', gen_random_uuid(), '[]', n
                FROM unnest(@at::timestamptz[]) WITH ORDINALITY AS x(at, n);
                """, admin);
            seed.Parameters.AddWithValue("t", tenantId);
            seed.Parameters.AddWithValue("at", instants);
            await seed.ExecuteNonQueryAsync();
        }

        CmsMigrator.MigrateUp(CmsMigrator.Postgres, scratch.OwnerConnectionString);

        await using (var admin = await scratch.OpenAdminAsync())
        {
            await using var read = new NpgsqlCommand("SELECT tableoid::regclass::text FROM audit_entries WHERE tenant_id = @t ORDER BY seq", admin);
            read.Parameters.AddWithValue("t", tenantId);
            var partitions = new List<string>();
            await using (var reader = await read.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    partitions.Add(reader.GetString(0));
                }
            }

            Assert.That(partitions, Is.EqualTo(instants.Select(PartitionOf)), "every old entry moved, into its month's partition");
            Assert.That(await Cms.Tests.Isolation.TenantCatalog.PartitionViolationsAsync(admin), Is.Empty);
            Assert.That(await Cms.Tests.Isolation.TenantCatalog.RlsFlagViolationsAsync(admin), Is.Empty);
        }

        CmsMigrator.Rollback(CmsMigrator.Postgres, scratch.OwnerConnectionString, 202611250004);
        await using (var admin = await scratch.OpenAdminAsync())
        {
            await using var count = new NpgsqlCommand("SELECT count(*) FROM audit_entries WHERE tenant_id = @t", admin);
            count.Parameters.AddWithValue("t", tenantId);
            Assert.That(await count.ExecuteScalarAsync(), Is.EqualTo((long)instants.Length), "the rollback kept every entry");
        }
    }
}
