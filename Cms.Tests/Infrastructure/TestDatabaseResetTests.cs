using Cms.Migrations;
using Cms.Tests.Support;
using Npgsql;

namespace Cms.Tests.Infrastructure;

/// <summary>
/// The reset every PostgreSQL test starts from (<see cref="PostgresTestDatabase.ResetAsync"/>) leaves every table empty:
/// rows under a foreign key, rows in a partition made after the first reset, and audit entries, whose append-only
/// trigger refuses DELETE to anyone.
/// </summary>
public sealed class TestDatabaseResetTests : OwnPostgresDatabase
{
    [Test]
    public async Task A_reset_empties_every_table_partitions_and_the_audit_trail_included()
    {
        await Db.ResetAsync(); // the statement is built here, before the partition below exists
        await using var admin = await Db.OpenAdminAsync();
        await using (var seed = new NpgsqlCommand(
            """
            INSERT INTO tenants (id, name, sector, jurisdiction, status, created_at) VALUES (@t, 'Reset Bank', 'banking', 'UK', 'active', now());
            CREATE TABLE audit_entries_reset_test PARTITION OF audit_entries FOR VALUES FROM ('2001-01-01') TO ('2001-02-01');
            INSERT INTO audit_entries (tenant_id, id, occurred_at, actor_type, actor_id, action, entity_type, entity_id, changed_fields, seq)
            VALUES (@t, gen_random_uuid(), '2001-01-15', 'staff', 'staff-1', 'complaint.filed', 'complaint', gen_random_uuid(), '[]', 0);
            """, admin))
        {
            seed.Parameters.AddWithValue("t", Guid.NewGuid());
            await seed.ExecuteNonQueryAsync();
        }

        Assert.That(await RowsAsync(admin), Is.GreaterThanOrEqualTo(2), "the seed is in place");
        await Db.ResetAsync();
        Assert.That(await RowsAsync(admin), Is.Zero);
    }

    /// <summary>The rows of every table of schema public but the migrations' version table.</summary>
    private static async Task<long> RowsAsync(NpgsqlConnection admin)
    {
        var tables = new List<string>();
        await using (var list = new NpgsqlCommand(
            """
            SELECT format('%I', relname) FROM pg_catalog.pg_class
            WHERE relnamespace = 'public'::regnamespace AND relkind = 'r' AND relname <> @Version
            """, admin))
        {
            list.Parameters.AddWithValue("Version", CmsMigrator.VersionTableName);
            await using var reader = await list.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }

        await using var count = new NpgsqlCommand(string.Join(" + ", tables.Select(t => $"(SELECT count(*) FROM {t})")).Insert(0, "SELECT "), admin);
        return (long)(await count.ExecuteScalarAsync())!;
    }
}
