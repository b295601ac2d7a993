using System.Data.Common;
using System.Diagnostics;
using Cms.Migrations;
using Microsoft.Data.Sqlite;
using Npgsql;
using Respawn;

namespace Cms.Tests.Support;

public enum DatabaseKind
{
    Sqlite,
    Postgres,
}

/// <summary>
/// A real, migrated database for integration and API tests: a SQLite file, or a database on the private PostgreSQL
/// server that the test command starts (CMS_TEST_PG_ADMIN). Emptied before each test (Respawn on SQLite).
/// </summary>
public abstract class TestDatabase : IAsyncDisposable
{
    public abstract DatabaseKind Kind { get; }

    /// <summary>What the service connects with (SQLite: the file; PostgreSQL: the cms_app login).</summary>
    public abstract string AppConnectionString { get; }

    /// <summary>The tenant key vault's directory every service on this database shares (SQLite: the service's default,
    /// next to the file; PostgreSQL: a directory of its own, removed with the database).</summary>
    public abstract string KeyVaultDirectory { get; }

    public abstract Task ResetAsync();

    /// <summary>Empties the tenant key vault with the rows (a reset leaves no tenant, so no tenant's vault entry either).</summary>
    protected void ResetKeyVault()
    {
        if (Directory.Exists(KeyVaultDirectory))
        {
            foreach (var file in Directory.EnumerateFiles(KeyVaultDirectory))
            {
                File.Delete(file);
            }
        }
    }

    public abstract DbConnection OpenPrivileged();

    public abstract ValueTask DisposeAsync();

    public static async Task<TestDatabase> CreateAsync(DatabaseKind kind) => kind switch
    {
        DatabaseKind.Sqlite => await SqliteTestDatabase.CreateAsync(),
        _ => await PostgresTestDatabase.CreateAsync(),
    };
}

public sealed class SqliteTestDatabase : TestDatabase
{
    private readonly string _directory;
    private Respawner? _respawner;

    private SqliteTestDatabase(string directory)
    {
        _directory = directory;
        AppConnectionString = $"Data Source={Path.Combine(directory, "cms-test.db")}";
    }

    public override DatabaseKind Kind => DatabaseKind.Sqlite;

    public override string AppConnectionString { get; }

    public override string KeyVaultDirectory => Path.Combine(_directory, "cms-test.db.tenant-keys");

    /// <summary>A migrated file of its own: a copy of the run's migrated template (<see cref="MigratedTemplates"/>).</summary>
    public static async Task<SqliteTestDatabase> CreateAsync()
    {
        var directory = Path.Combine(Path.GetTempPath(), "cms-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        await MigratedTemplates.CopySqliteAsync(Path.Combine(directory, "cms-test.db"));
        return new SqliteTestDatabase(directory);
    }

    public override DbConnection OpenPrivileged()
    {
        var connection = new SqliteConnection(AppConnectionString);
        connection.Open();
        return connection;
    }

    public override async Task ResetAsync()
    {
        await using var connection = OpenPrivileged();
        _respawner ??= await Respawner.CreateAsync(connection, new RespawnerOptions
        {
            DbAdapter = DbAdapter.Sqlite,
            TablesToIgnore = [CmsMigrator.VersionTableName],
        });
        await _respawner.ResetAsync(connection);
        ResetKeyVault();
    }

    public override ValueTask DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still open elsewhere; the temp folder is cleaned by the OS.
        }

        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// One database per fixture on the test command's PostgreSQL server, bootstrapped with deploy/postgres/roles.sql (the
/// real operator script) and migrated as cms_owner with the real migrator (once per run, in the template it is copied
/// from). The service connects as cms_app.
/// </summary>
public sealed class PostgresTestDatabase : TestDatabase
{
    public const string AppPassword = "cms-app-test-password";
    public const string OwnerPassword = "cms-owner-test-password";

    private readonly string _serverAdmin;
    private string? _resetSql;

    private PostgresTestDatabase(string databaseName, NpgsqlConnectionStringBuilder admin)
    {
        _serverAdmin = admin.ConnectionString;
        DatabaseName = databaseName;
        AdminConnectionString = new NpgsqlConnectionStringBuilder(admin.ConnectionString) { Database = databaseName }.ConnectionString;
        OwnerConnectionString = new NpgsqlConnectionStringBuilder(AdminConnectionString)
        {
            Username = "cms_owner",
            Password = OwnerPassword,
        }.ConnectionString;
        AppConnectionString = new NpgsqlConnectionStringBuilder(AdminConnectionString)
        {
            Username = "cms_app",
            Password = AppPassword,
            MaxPoolSize = 50,
        }.ConnectionString;
    }

    public override DatabaseKind Kind => DatabaseKind.Postgres;

    public string DatabaseName { get; }

    /// <summary>The superuser on this database (bypasses row-level security: for set-up, resets and tamper tests).</summary>
    public string AdminConnectionString { get; }

    public string OwnerConnectionString { get; }

    public override string AppConnectionString { get; }

    public override string KeyVaultDirectory => Path.Combine(Path.GetTempPath(), "cms-tests", $"{DatabaseName}.tenant-keys");

    /// <summary>A database of its own on the test command's server: a copy of the run's migrated template there.</summary>
    public static Task<PostgresTestDatabase> CreateAsync() => CopyOfTemplateAsync(PostgresServer.AdminConnection());

    /// <summary>
    /// A database of its own on a server that lives for the whole run (the test command's, or
    /// <see cref="PrivatePostgres.SharedAsync"/>): a copy of the template that <see cref="MigratedTemplates"/> bootstrapped with
    /// roles.sql and migrated there once. The copy has what roles.sql gives a database: cms_owner owns it, cms_app may
    /// connect.
    /// </summary>
    public static async Task<PostgresTestDatabase> CopyOfTemplateAsync(NpgsqlConnectionStringBuilder server)
    {
        var template = await MigratedTemplates.PostgresAsync(server);
        var name = NewName();
        await ExecuteAsync(server, $"CREATE DATABASE {name} TEMPLATE {template} OWNER cms_owner");
        await ExecuteAsync(server, $"GRANT CONNECT ON DATABASE {name} TO cms_app");
        return new PostgresTestDatabase(name, server);
    }

    /// <summary>A database bootstrapped and migrated in place, on a server of one test's own (the Patroni pair), where a
    /// template would serve a single database.</summary>
    public static async Task<PostgresTestDatabase> CreateAsync(NpgsqlConnectionStringBuilder server)
    {
        var name = NewName();
        await ExecuteAsync(server, $"CREATE DATABASE {name}");
        var db = new PostgresTestDatabase(name, server);
        PostgresServer.RunPsql(server, name, Path.Combine(RepoPaths.Root, "deploy", "postgres", "roles.sql"),
            ("owner_password", OwnerPassword), ("app_password", AppPassword));
        CmsMigrator.MigrateUp(CmsMigrator.Postgres, db.OwnerConnectionString);
        return db;
    }

    private static string NewName() => "cms_test_" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>One statement as the superuser on the server's maintenance database (CREATE and DROP DATABASE).</summary>
    internal static async Task ExecuteAsync(NpgsqlConnectionStringBuilder server, string sql)
    {
        await using var connection = await Connections.OpenAsync(server.ConnectionString);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    public override DbConnection OpenPrivileged() => Connections.Open(AdminConnectionString);

    public NpgsqlConnection OpenApp() => Connections.Open(AppConnectionString);

    /// <summary>A connection of the test's own as the superuser (RLS bypassed): to arrange or inspect rows.</summary>
    public Task<NpgsqlConnection> OpenAdminAsync() => Connections.OpenAsync(AdminConnectionString);

    /// <summary>
    /// Empties every table but the migrations' version table, in one transaction. DELETE, not Respawn's TRUNCATE: a
    /// TRUNCATE of tenants cascades to every tenant table and makes new files for each table and index, about 0.3 s a
    /// reset on a busy machine; a DELETE of a test's few rows takes milliseconds. It runs as a replica session, where
    /// neither ordinary triggers (the audit trail's append-only trigger refuses DELETE even to a superuser) nor
    /// foreign-key checks fire, so the order of the tables does not matter. A partitioned table is emptied through its
    /// parent, partitions made since included.
    /// </summary>
    public override async Task ResetAsync()
    {
        await using var connection = await Connections.OpenAsync(AdminConnectionString);
        _resetSql ??= await ResetStatementAsync(connection);

        // The service's sealer may be linking the previous test's last changes (row locks on the chain head and audit
        // entries): a reset that deadlocks with it is tried again.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var transaction = await connection.BeginTransactionAsync();
                await using var reset = new NpgsqlCommand(_resetSql, connection, transaction);
                await reset.ExecuteNonQueryAsync();
                await transaction.CommitAsync();
                ResetKeyVault();
                return;
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.DeadlockDetected && attempt < 5)
            {
                await Task.Delay(50 * attempt);
            }
        }
    }

    private static async Task<string> ResetStatementAsync(NpgsqlConnection connection)
    {
        await using var tables = new NpgsqlCommand(
            """
            SELECT format('DELETE FROM %I.%I;', n.nspname, c.relname)
            FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition AND c.relname <> @Version
            ORDER BY c.relname
            """, connection);
        tables.Parameters.AddWithValue("Version", CmsMigrator.VersionTableName);
        var sql = new System.Text.StringBuilder("SET LOCAL session_replication_role = replica;");
        await using (var reader = await tables.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                sql.Append(' ').Append(reader.GetString(0));
            }
        }

        return sql.ToString();
    }

    public override async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await ExecuteAsync(new NpgsqlConnectionStringBuilder(_serverAdmin), $"DROP DATABASE IF EXISTS {DatabaseName} WITH (FORCE)");
        try
        {
            Directory.Delete(KeyVaultDirectory, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Never created (no tenant had a key), or removed already: nothing to clean.
        }
    }
}

/// <summary>The PostgreSQL server the test command started; tests that need it fail (never skip silently) under CI.</summary>
public static class PostgresServer
{
    public const string AdminVariable = "CMS_TEST_PG_ADMIN";
    public const string RequireVariable = "CMS_TEST_REQUIRE_PG";

    public static NpgsqlConnectionStringBuilder AdminConnection()
    {
        var value = Environment.GetEnvironmentVariable(AdminVariable);
        if (string.IsNullOrWhiteSpace(value))
        {
            const string message = $"PostgreSQL tests need {AdminVariable} (a superuser connection string); run them with `bash scripts/test.sh`, which starts a private server.";
            if (Environment.GetEnvironmentVariable(RequireVariable) == "1" || Environment.GetEnvironmentVariable("CI") is { Length: > 0 })
            {
                Assert.Fail(message);
            }

            Assert.Ignore(message);
        }

        return new NpgsqlConnectionStringBuilder(value);
    }

    public static void RunPsql(NpgsqlConnectionStringBuilder admin, string database, string file, params (string Name, string Value)[] variables)
    {
        var start = new ProcessStartInfo("psql")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in new[] { "-X", "-q", "-h", admin.Host!, "-p", admin.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-U", admin.Username!, "-d", database, "-f", file })
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in variables)
        {
            start.ArgumentList.Add("-v");
            start.ArgumentList.Add($"{name}={value}");
        }

        start.Environment["PGPASSWORD"] = admin.Password;
        using var process = Process.Start(start) ?? throw new InvalidOperationException("psql did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"psql -f {Path.GetFileName(file)} failed ({process.ExitCode}): {stderr} {stdout.Result}");
        }
    }
}

public static class RepoPaths
{
    public static string Root { get; } = Find();

    private static string Find()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Cms.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Cms.sln not found above the test binaries.");
    }
}
