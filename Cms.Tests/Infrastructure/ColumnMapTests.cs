using System.Data.Common;
using System.Reflection;
using Cms.Infrastructure.Persistence;
using Cms.Tests.Support;

namespace Cms.Tests.Infrastructure;

/// <summary>
/// Each table's column map (Cms.Infrastructure.Persistence.ColumnMap, found by reflection so a new one is checked too)
/// names only columns the migrated schema has, on both databases; a map that claims the whole table holds every column
/// of it, so a migration that adds a column to such a table fails here until the map writes it.
/// </summary>
[TestFixture(DatabaseKind.Sqlite)]
[TestFixture(DatabaseKind.Postgres)]
public sealed class ColumnMapTests(DatabaseKind kind)
{
    private TestDatabase _db = null!;

    [OneTimeSetUp]
    public async Task CreateDatabaseAsync() => _db = await TestDatabase.CreateAsync(kind);

    [OneTimeTearDown]
    public async Task DropDatabaseAsync()
    {
        if (_db is not null)
        {
            await _db.DisposeAsync();
        }
    }

    private static IEnumerable<(string Owner, ColumnMap Map)> Maps() =>
        typeof(ColumnMap).Assembly.GetTypes()
            .SelectMany(t => t.GetFields(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic))
            .Where(f => f.FieldType == typeof(ColumnMap))
            .Select(f => ($"{f.DeclaringType!.Name}.{f.Name}", (ColumnMap)f.GetValue(null)!));

    private async Task<HashSet<string>> TableColumnsAsync(string table)
    {
        await using var connection = _db.OpenPrivileged();
        await using var command = connection.CreateCommand();
        command.CommandText = kind == DatabaseKind.Postgres
            ? "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = @t"
            : "SELECT name FROM pragma_table_info(@t)";
        var parameter = command.CreateParameter();
        parameter.ParameterName = "@t";
        parameter.Value = table;
        command.Parameters.Add(parameter);
        var columns = new HashSet<string>(StringComparer.Ordinal);
        await using DbDataReader reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            columns.Add(reader.GetString(0));
        }

        return columns;
    }

    [Test]
    public void There_are_column_maps_to_check() =>
        Assert.That(Maps().Select(m => m.Map.Table), Is.SupersetOf(new[]
        {
            "complaints", "complaint_notes", "audit_entries", "webhook_endpoints", "webhook_attempts", "taxonomies", "taxonomy_entries",
            "tenant_closure_days", "tenant_clock_settings",
        }));

    [Test]
    public async Task Every_mapped_column_exists_and_a_whole_table_map_misses_none()
    {
        var problems = new List<string>();
        foreach (var (owner, map) in Maps())
        {
            var actual = await TableColumnsAsync(map.Table);
            if (actual.Count == 0)
            {
                problems.Add($"{owner}: table {map.Table} does not exist");
                continue;
            }

            var mapped = map.Columns.Split(", ");
            problems.AddRange(mapped.Where(c => !actual.Contains(c)).Select(c => $"{owner}: {map.Table}.{c} does not exist"));
            if (map.WholeTable)
            {
                problems.AddRange(actual.Except(mapped).Order(StringComparer.Ordinal)
                    .Select(c => $"{owner}: {map.Table}.{c} is in the table but not in its map"));
            }
        }

        Assert.That(problems, Is.Empty);
    }

    [Test]
    public void The_statements_are_derived_from_the_columns()
    {
        var map = new ColumnMap("t", keys: ["tenant_id", "id"], setOnce: ["created_at"], mutable: ["next_due_at", "version"],
            readOnly: ["legal_entity_id"]);
        Assert.Multiple(() =>
        {
            Assert.That(map.Columns, Is.EqualTo("tenant_id, id, created_at, next_due_at, version, legal_entity_id"));
            Assert.That(map.Insert, Is.EqualTo(
                "INSERT INTO t (tenant_id, id, created_at, next_due_at, version) VALUES (@TenantId, @Id, @CreatedAt, @NextDueAt, @Version)"));
            Assert.That(map.UpdateSet, Is.EqualTo("next_due_at = @NextDueAt, version = @Version"));
            Assert.That(map.KeyEquals, Is.EqualTo("tenant_id = @TenantId AND id = @Id"));
            Assert.That(map.Upsert, Is.EqualTo(
                "INSERT INTO t (tenant_id, id, created_at, next_due_at, version) VALUES (@TenantId, @Id, @CreatedAt, @NextDueAt, @Version)"
                + " ON CONFLICT (tenant_id, id) DO UPDATE SET next_due_at = excluded.next_due_at, version = excluded.version"));
        });
    }
}
