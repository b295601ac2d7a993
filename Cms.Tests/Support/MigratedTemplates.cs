using Cms.Migrations;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Cms.Tests.Support;

/// <summary>
/// The migrated schema, built once per run and per database kind: the first fixture that needs a PostgreSQL database
/// bootstraps (deploy/postgres/roles.sql) and migrates a template database on that server, and every database after it
/// is a copy (<c>CREATE DATABASE … TEMPLATE</c>, a copy inside the server); the first SQLite fixture migrates a template
/// file, and every later one copies the file. Each fixture still owns its database (fixtures share only the starting
/// point), so no test's isolation changes; the run pays for the migrations once per kind instead of once per fixture.
/// <see cref="TestRun"/> drops the templates after the last test.
/// </summary>
internal static class MigratedTemplates
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static readonly Dictionary<string, (NpgsqlConnectionStringBuilder Admin, string Name)> Postgres = new(StringComparer.Ordinal);
    private static string? _sqliteDirectory;

    /// <summary>The template database on the server of <paramref name="admin"/>, created and migrated on first use.</summary>
    public static async Task<string> PostgresAsync(NpgsqlConnectionStringBuilder admin)
    {
        var server = $"{admin.Host}:{admin.Port}";
        await Gate.WaitAsync();
        try
        {
            if (Postgres.TryGetValue(server, out var known))
            {
                return known.Name;
            }

            var name = "cms_template_" + Guid.NewGuid().ToString("N")[..12];
            await PostgresTestDatabase.ExecuteAsync(admin, $"CREATE DATABASE {name}");
            Postgres[server] = (new NpgsqlConnectionStringBuilder(admin.ConnectionString), name);
            PostgresServer.RunPsql(admin, name, Path.Combine(RepoPaths.Root, "deploy", "postgres", "roles.sql"),
                ("owner_password", PostgresTestDatabase.OwnerPassword), ("app_password", PostgresTestDatabase.AppPassword));
            // No pooled connection may stay open on a template: CREATE DATABASE … TEMPLATE refuses a template in use.
            CmsMigrator.MigrateUp(CmsMigrator.Postgres, new NpgsqlConnectionStringBuilder(admin.ConnectionString)
            {
                Database = name,
                Username = "cms_owner",
                Password = PostgresTestDatabase.OwnerPassword,
                Pooling = false,
            }.ConnectionString);
            return name;
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>Copies the migrated SQLite template (created on first use) to <paramref name="file"/>.</summary>
    public static async Task CopySqliteAsync(string file)
    {
        await Gate.WaitAsync();
        try
        {
            if (_sqliteDirectory is null)
            {
                var directory = Path.Combine(Path.GetTempPath(), "cms-tests", "template-" + Guid.NewGuid().ToString("N"));
                Directory.CreateDirectory(directory);
                var connectionString = $"Data Source={Path.Combine(directory, "cms-test.db")};Pooling=False";
                CmsMigrator.MigrateUp(CmsMigrator.Sqlite, connectionString);
                // The file is in write-ahead-log mode: fold the log into the file, so that the file alone is the database.
                await using (var connection = new SqliteConnection(connectionString))
                {
                    await connection.OpenAsync();
                    await using var checkpoint = connection.CreateCommand();
                    checkpoint.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
                    await checkpoint.ExecuteNonQueryAsync();
                }

                _sqliteDirectory = directory;
            }

            File.Copy(Path.Combine(_sqliteDirectory, "cms-test.db"), file);
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>Drops every template of the run; never throws (a server already gone takes its template with it).</summary>
    public static async Task DropAllAsync()
    {
        foreach (var (admin, name) in Postgres.Values)
        {
            try
            {
                await PostgresTestDatabase.ExecuteAsync(admin, $"DROP DATABASE IF EXISTS {name} WITH (FORCE)");
            }
            catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
            {
                // The server stopped first (the test command's is deleted with its directory).
            }
        }

        Postgres.Clear();
        if (_sqliteDirectory is { } directory)
        {
            _sqliteDirectory = null;
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
