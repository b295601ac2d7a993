using Cms.Migrations;
using Cms.Migrations.Migrations;
using Cms.Tests.Support;
using Npgsql;

namespace Cms.Tests.Events;

public sealed partial class EventPartitionTests
{
    [Test]
    public async Task The_service_function_keeps_both_tables_ahead_within_its_bound_and_the_old_name_still_works()
    {
        await using var app = Db.OpenApp();
        await using (var ensure = new NpgsqlCommand("SELECT ensure_monthly_partitions(1000)", app))
        {
            Assert.That(await ensure.ExecuteScalarAsync(), Is.GreaterThan(0));
        }

        await using var admin = await AdminAsync();
        foreach (var table in new[] { "audit_entries", "events" })
        {
            var partitions = await PartitionsAsync(admin, table);
            Assert.That(partitions.Keys, Does.Contain(PartitionOf(MonthStart(24), table)), $"{table}: 24 months ahead exist");
            Assert.That(partitions.Keys, Does.Not.Contain(PartitionOf(MonthStart(25), table)), $"{table}: capped at 24 months");
        }

        await using (var again = new NpgsqlCommand("SELECT ensure_monthly_partitions(24)", app))
        {
            Assert.That(await again.ExecuteScalarAsync(), Is.EqualTo(0), "idempotent");
        }

        // The previous release's name, still called by its instances during a rolling upgrade, keeps both tables ahead.
        await using (var old = new NpgsqlCommand("SELECT ensure_audit_entry_partitions(24)", app))
        {
            Assert.That(await old.ExecuteScalarAsync(), Is.EqualTo(0));
        }

        foreach (var sql in new[]
                 {
                     "SELECT create_monthly_partitions('events', now(), now() + interval '50 years')",
                     "SELECT create_audit_entry_partitions(now(), now() + interval '50 years')",
                 })
        {
            var denied = await Assert.ThrowsAsync<PostgresException>(async () =>
            {
                await using var direct = new NpgsqlCommand(sql, app);
                await direct.ExecuteScalarAsync();
            });
            Assert.That(denied!.SqlState, Is.EqualTo(PostgresErrorCodes.InsufficientPrivilege), sql);
        }

        Assert.That(await Cms.Tests.Isolation.TenantCatalog.RoleViolationsAsync(admin), Is.Empty);
        Assert.That(await Cms.Tests.Isolation.TenantCatalog.PartitionViolationsAsync(admin), Is.Empty);
    }

    [Test]
    public async Task The_owner_function_partitions_only_the_two_monthly_tables()
    {
        await using var owner = await AdminAsync(Db.OwnerConnectionString);
        var refused = await Assert.ThrowsAsync<PostgresException>(async () =>
        {
            await using var command = new NpgsqlCommand("SELECT create_monthly_partitions('complaints', now(), now())", owner);
            await command.ExecuteScalarAsync();
        });
        Assert.That(refused!.SqlState, Is.EqualTo(PostgresErrorCodes.InvalidParameterValue));
    }

    [Test]
    public async Task Every_partition_carries_the_autovacuum_settings_that_the_partitioned_table_refuses()
    {
        await using var admin = await AdminAsync();
        var refused = await Assert.ThrowsAsync<PostgresException>(async () =>
        {
            await using var command = new NpgsqlCommand("ALTER TABLE events SET (autovacuum_vacuum_insert_scale_factor = 0.005)", admin);
            await command.ExecuteNonQueryAsync();
        });
        Assert.That(refused!.SqlState, Is.EqualTo(PostgresErrorCodes.InvalidParameterValue), "why the settings go on each partition");

        // New partitions, made by the service's function and by the owner's, for both tables.
        await using (var app = Db.OpenApp())
        {
            await using var ensure = new NpgsqlCommand("SELECT ensure_monthly_partitions(6)", app);
            await ensure.ExecuteScalarAsync(); // months 4 to 6 (unless another test of this fixture made them already)
        }

        await using (var owner = await AdminAsync(Db.OwnerConnectionString))
        {
            await using var create = new NpgsqlCommand(
                "SELECT create_monthly_partitions('audit_entries', @at, @at) + create_monthly_partitions('events', @at, @at)", owner);
            create.Parameters.AddWithValue("at", MonthStart(-30));
            Assert.That(await create.ExecuteScalarAsync(), Is.EqualTo(2));
        }

        foreach (var table in new[] { "audit_entries", "events" })
        {
            var partitions = await PartitionsAsync(admin, table);
            Assert.That(partitions.Keys, Is.SupersetOf(new[] { MonthStart(-30), MonthStart(0), MonthStart(3), MonthStart(6) }
                .Select(m => PartitionOf(m, table))));
            foreach (var (name, (_, options)) in partitions)
            {
                Assert.That(options, Is.SupersetOf(StorageParameters), $"{name}: the insert-only autovacuum settings");
            }
        }

        // The settings are the ones docs/postgres.md recommends.
        var doc = await File.ReadAllTextAsync(Path.Combine(RepoPaths.Root, "docs", "postgres.md"));
        Assert.That(doc, Does.Contain(EventsPartitioned.PartitionStorageParameters));
    }

    [Test]
    public async Task The_migration_moves_existing_events_into_partitions_and_its_rollback_moves_them_back()
    {
        await using var scratch = await PostgresTestDatabase.CreateAsync();
        CmsMigrator.Rollback(CmsMigrator.Postgres, scratch.OwnerConnectionString, 202611250070);
        var tenantId = Guid.NewGuid();
        var instants = new[] { MonthStart(-14).AddDays(3), MonthStart(-1).AddHours(7), MonthStart(0).AddMinutes(1), MonthStart(2) };
        await using (var admin = await AdminAsync(scratch.AdminConnectionString))
        {
            await using var relkind = new NpgsqlCommand("SELECT relkind::text FROM pg_class WHERE oid = 'public.events'::regclass", admin);
            Assert.That(await relkind.ExecuteScalarAsync(), Is.EqualTo("r"), "rolled back to the plain table");
            Assert.That((await PartitionsAsync(admin, "audit_entries")).Values.SelectMany(p => p.Options), Is.Empty,
                "the rollback took the storage parameters off the audit partitions");
            await using var seed = new NpgsqlCommand(
                """
                INSERT INTO tenants (id, name, sector, jurisdiction, status, created_at) VALUES (@t, 'Old Bank', 'banking', 'UK', 'active', now());
                INSERT INTO events (tenant_id, position, id, type, entity_type, entity_id, entity_version, changed_fields, occurred_at)
                SELECT @t, n, gen_random_uuid(), 'complaint.filed', 'complaint', gen_random_uuid(), 1, '[]', at
                FROM unnest(@at::timestamptz[]) WITH ORDINALITY AS x(at, n);
                """, admin);
            seed.Parameters.AddWithValue("t", tenantId);
            seed.Parameters.AddWithValue("at", instants);
            await seed.ExecuteNonQueryAsync();
        }

        CmsMigrator.MigrateUp(CmsMigrator.Postgres, scratch.OwnerConnectionString);

        await using (var admin = await AdminAsync(scratch.AdminConnectionString))
        {
            await using var read = new NpgsqlCommand("SELECT tableoid::regclass::text FROM events WHERE tenant_id = @t ORDER BY position", admin);
            read.Parameters.AddWithValue("t", tenantId);
            var partitions = new List<string>();
            await using (var reader = await read.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    partitions.Add(reader.GetString(0));
                }
            }

            Assert.That(partitions, Is.EqualTo(instants.Select(i => PartitionOf(i))), "every old event moved, into its month's partition");
            Assert.That((await PartitionsAsync(admin, "audit_entries")).Values.Select(p => p.Options), Has.All.SupersetOf(StorageParameters),
                "the audit partitions made before this migration got the settings too");
            Assert.That(await Cms.Tests.Isolation.TenantCatalog.PartitionViolationsAsync(admin), Is.Empty);
            Assert.That(await Cms.Tests.Isolation.TenantCatalog.RlsFlagViolationsAsync(admin), Is.Empty);
            Assert.That(await Cms.Tests.Isolation.TenantCatalog.RoleViolationsAsync(admin), Is.Empty);
        }

        CmsMigrator.Rollback(CmsMigrator.Postgres, scratch.OwnerConnectionString, 202611250070);
        await using (var admin = await AdminAsync(scratch.AdminConnectionString))
        {
            await using var count = new NpgsqlCommand("SELECT count(*) FROM events WHERE tenant_id = @t", admin);
            count.Parameters.AddWithValue("t", tenantId);
            Assert.That(await count.ExecuteScalarAsync(), Is.EqualTo((long)instants.Length), "the rollback kept every event");
            await using var functions = new NpgsqlCommand(
                "SELECT to_regprocedure('create_monthly_partitions(text,timestamptz,timestamptz)') IS NULL AND to_regprocedure('ensure_audit_entry_partitions(integer)') IS NOT NULL",
                admin);
            Assert.That(await functions.ExecuteScalarAsync(), Is.True, "the previous release's functions are back");
            Assert.That(await Cms.Tests.Isolation.TenantCatalog.RlsFlagViolationsAsync(admin), Is.Empty);
        }

        // The previous release's function works again on its own.
        await using (var owner = await AdminAsync(scratch.OwnerConnectionString))
        {
            await using var create = new NpgsqlCommand("SELECT create_audit_entry_partitions(@at, @at)", owner);
            create.Parameters.AddWithValue("at", MonthStart(-40));
            Assert.That(await create.ExecuteScalarAsync(), Is.EqualTo(1));
        }
    }
}
