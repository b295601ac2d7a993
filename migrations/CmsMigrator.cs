using System.Data.Common;
using System.Reflection;
using FluentMigrator;
using FluentMigrator.Runner;
using FluentMigrator.Runner.Processors;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Cms.Migrations;

/// <summary>One migration known to this assembly, and whether the database has applied it.</summary>
/// <param name="Version">The migration's version (yyyyMMddnnnn).</param>
/// <param name="Description">The migration's description.</param>
/// <param name="Applied">True when the database's VersionInfo table lists it.</param>
public sealed record MigrationStatus(long Version, string Description, bool Applied);

/// <summary>
/// Runs this assembly's FluentMigrator migrations in-process against PostgreSQL or SQLite. Used by the operator CLI
/// (migrations/Program.cs), the API at start-up (SQLite) and the tests. Each call builds its own small service
/// collection, so it never touches the host's DI container or logging.
/// </summary>
public static partial class CmsMigrator
{
    /// <summary>Provider name for PostgreSQL (production).</summary>
    public const string Postgres = "postgres";

    /// <summary>Provider name for SQLite (local runs, demos, fast tests).</summary>
    public const string Sqlite = "sqlite";

    /// <summary>FluentMigrator's migration history table (cms_app may SELECT it for a readiness check).</summary>
    public const string VersionTableName = "VersionInfo";

    /// <summary>Advisory lock key shared by every CMS migrator ("CMSMIGR" in ASCII).</summary>
    private const long MigrationLockKey = 0x434D_534D_4947_52;

    /// <summary>Per-command timeout: later migrations may build indexes on tables with millions of rows.</summary>
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(30);

    /// <summary>The highest migration version in this assembly: the version a fully migrated database reports.</summary>
    public static long LatestVersion => KnownMigrations.Max(m => m.Version);

    /// <summary>Applies every pending migration.</summary>
    /// <param name="provider">"postgres" or "sqlite" (case-insensitive).</param>
    /// <param name="connectionString">ADO.NET connection string. PostgreSQL: log in as the schema owner (cms_owner).
    /// SQLite: the directory of the database file is created if missing.</param>
    /// <param name="log">Receives FluentMigrator's progress and SQL (passwords masked); null for silence.</param>
    /// <exception cref="ArgumentException">Unknown provider or empty connection string.</exception>
    public static void MigrateUp(string provider, string connectionString, Action<string>? log = null)
    {
        Run(provider, connectionString, log, runner => runner.MigrateUp(), exclusive: true);
        if (ParseProvider(provider) == Provider.Postgres)
        {
            var created = EnsurePartitions(connectionString, Migrations.AuditEntriesPartitioned.MonthsAhead);
            log?.Invoke($"Monthly partitions of audit_entries and events: {created} created (the current month and {Migrations.AuditEntriesPartitioned.MonthsAhead} ahead exist)");
        }
    }

    /// <summary>
    /// PostgreSQL: creates the missing monthly partitions of audit_entries and events from the current month (database
    /// clock) to <paramref name="monthsAhead"/> months ahead, as the schema owner; returns how many it created. The
    /// migration command runs it after every <c>up</c>, so re-running <c>up</c> extends the horizon even when no
    /// migration is pending; the service keeps it extended at run time (ensure_monthly_partitions). A database at the
    /// audit partitioning migration but not yet at the events one gets its audit partitions only; one before both, none.
    /// </summary>
    public static int EnsurePartitions(string connectionString, int monthsAhead)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(monthsAhead);
        RequireConnectionString(connectionString);
        using var connection = new NpgsqlConnection(connectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT CASE
                WHEN to_regprocedure('create_monthly_partitions(text,timestamptz,timestamptz)') IS NOT NULL THEN 2
                WHEN to_regprocedure('create_audit_entry_partitions(timestamptz,timestamptz)') IS NOT NULL THEN 1
                ELSE 0 END
            """;
        var level = Convert.ToInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        if (level == 0)
        {
            return 0;
        }

        command.CommandText = level == 2
            ? """
              SELECT sum(create_monthly_partitions(t, now(), now() + make_interval(months => @months)))::integer
              FROM (VALUES ('audit_entries'), ('events')) AS tables(t)
              """
            : "SELECT create_audit_entry_partitions(now(), now() + make_interval(months => @months))";
        command.Parameters.AddWithValue("months", monthsAhead);
        return Convert.ToInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Reverts every applied migration whose version is greater than <paramref name="version"/>; 0 reverts all.</summary>
    /// <exception cref="ArgumentException">Unknown provider, empty connection string or negative version.</exception>
    public static void Rollback(string provider, string connectionString, long version, Action<string>? log = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(version);
        Run(provider, connectionString, log, runner => runner.MigrateDown(version), exclusive: true);
    }

    /// <summary>
    /// The versions the database has applied, ascending; empty when nothing was ever migrated (no version table, or no
    /// SQLite file). A plain read of the version table that creates nothing, so it also works as the service's
    /// readiness check under cms_app (which may SELECT "VersionInfo").
    /// </summary>
    /// <exception cref="ArgumentException">Unknown provider or empty connection string.</exception>
    public static IReadOnlyList<long> ListApplied(string provider, string connectionString)
    {
        var kind = ParseProvider(provider);
        RequireConnectionString(connectionString);
        _ = Secrets(kind, connectionString); // a malformed string fails here as ArgumentException, without echoing it

        return kind == Provider.Postgres ? ReadAppliedPostgres(connectionString) : ReadAppliedSqlite(connectionString);
    }

    /// <summary>Every migration in this assembly, plus any version the database lists that this assembly does not know
    /// (description "(unknown to this build)"), ascending, each with its applied state. Read-only, like
    /// <see cref="ListApplied"/>.</summary>
    public static IReadOnlyList<MigrationStatus> ListMigrations(string provider, string connectionString)
    {
        var applied = ListApplied(provider, connectionString).ToHashSet();
        var known = KnownMigrations.ToDictionary(m => m.Version, m => m.Description);
        return known.Select(m => new MigrationStatus(m.Key, m.Value, applied.Contains(m.Key)))
            .Concat(applied.Where(v => !known.ContainsKey(v)).Select(v => new MigrationStatus(v, "(unknown to this build)", true)))
            .OrderBy(m => m.Version)
            .ToList();
    }

    /// <summary>
    /// The connection string without its password (and other secrets), for messages and logs.
    /// Returns a placeholder when the string cannot be parsed.
    /// </summary>
    public static string Describe(string provider, string connectionString)
    {
        try
        {
            var kind = ParseProvider(provider);
            DbConnectionStringBuilder builder = kind == Provider.Postgres
                ? new NpgsqlConnectionStringBuilder(connectionString)
                : new SqliteConnectionStringBuilder(connectionString);
            foreach (var key in builder.Keys.Cast<string>().ToList())
            {
                if (IsSecretKey(key))
                {
                    builder.Remove(key);
                }
            }

            return builder.ConnectionString;
        }
        catch (ArgumentException)
        {
            return "(unparseable connection string)";
        }
    }

    private static IEnumerable<(long Version, string Description)> KnownMigrations =>
        typeof(CmsMigrator).Assembly.GetTypes()
            .Where(t => !t.IsAbstract)
            .Select(t => t.GetCustomAttribute<MigrationAttribute>())
            .Where(a => a is not null)
            .Select(a => (a!.Version, a.Description ?? string.Empty));

    private static List<long> ReadAppliedPostgres(string connectionString)
    {
        using var connection = new NpgsqlConnection(connectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT to_regclass('"{VersionTableName}"') IS NOT NULL
            """;
        if (command.ExecuteScalar() is not true)
        {
            return [];
        }

        command.CommandText = $"""SELECT "Version" FROM "{VersionTableName}" ORDER BY "Version" """;
        return ReadVersions(command);
    }

    private static List<long> ReadAppliedSqlite(string connectionString)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString);
        if (IsSqliteFile(builder) && !File.Exists(builder.DataSource))
        {
            return [];
        }

        if (IsSqliteFile(builder))
        {
            builder.Mode = SqliteOpenMode.ReadOnly;
        }

        try
        {
            using var connection = new SqliteConnection(builder.ConnectionString);
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = $name";
            command.Parameters.AddWithValue("$name", VersionTableName);
            if (Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) == 0)
            {
                return [];
            }

            command.CommandText = $"""SELECT "Version" FROM "{VersionTableName}" ORDER BY "Version" """;
            return ReadVersions(command);
        }
        finally
        {
            using var connection = new SqliteConnection(builder.ConnectionString);
            SqliteConnection.ClearPool(connection);
        }
    }

    private static List<long> ReadVersions(DbCommand command)
    {
        var versions = new List<long>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            versions.Add(reader.GetInt64(0));
        }

        return versions;
    }

    private enum Provider
    {
        Postgres,
        Sqlite,
    }

    private static Provider ParseProvider(string provider)
    {
        if (string.Equals(provider?.Trim(), Postgres, StringComparison.OrdinalIgnoreCase))
        {
            return Provider.Postgres;
        }

        if (string.Equals(provider?.Trim(), Sqlite, StringComparison.OrdinalIgnoreCase))
        {
            return Provider.Sqlite;
        }

        throw new ArgumentException(
            $"Unknown database provider '{provider}': expected '{Postgres}' or '{Sqlite}'.", nameof(provider));
    }

    private static void Run(
        string provider, string connectionString, Action<string>? log, Action<IMigrationRunner> action, bool exclusive)
    {
        var kind = ParseProvider(provider);
        RequireConnectionString(connectionString);

        var secrets = Secrets(kind, connectionString);
        if (kind == Provider.Sqlite)
        {
            EnsureSqliteDirectory(connectionString);
            UseWriteAheadLog(connectionString);
        }

        var services = new ServiceCollection()
            .AddFluentMigratorCore()
            .ConfigureRunner(rb =>
            {
                if (kind == Provider.Postgres)
                {
                    rb.AddPostgres();
                }
                else
                {
                    rb.AddSQLite();
                }

                rb.WithGlobalConnectionString(connectionString)
                    .WithGlobalCommandTimeout(CommandTimeout)
                    .ScanIn(typeof(CmsMigrator).Assembly).For.Migrations();
            })
            .Configure<SelectingProcessorAccessorOptions>(o =>
                o.ProcessorId = kind == Provider.Postgres ? ProcessorIdConstants.PostgreSQL : ProcessorIdConstants.SQLite)
            .AddLogging(lb =>
            {
                lb.ClearProviders();
                if (log is not null)
                {
                    lb.SetMinimumLevel(LogLevel.Information);
                    lb.AddProvider(new CallbackLoggerProvider(log, secrets));
                }
                else
                {
                    lb.SetMinimumLevel(LogLevel.None);
                }
            });

        try
        {
            // PostgreSQL: several instances starting at once must not migrate side by side.
            using var migrationLock = exclusive && kind == Provider.Postgres ? AcquireMigrationLock(connectionString, log) : null;
            using var provider2 = services.BuildServiceProvider(validateScopes: false);
            using var scope = provider2.CreateScope();
            var runner = scope.ServiceProvider.GetRequiredService<IMigrationRunner>();
            action(runner);
        }
        finally
        {
            if (kind == Provider.Sqlite)
            {
                // Do not keep the file open in the pool: callers may move, copy or delete it next.
                using var connection = new SqliteConnection(connectionString);
                SqliteConnection.ClearPool(connection);
            }
        }
    }
}
