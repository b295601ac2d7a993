using System.Globalization;
using Cms.Migrations;

// Operator CLI for the CMS schema. See Usage below, or run with --help.
return MigrationsCli.Run(args);

/// <summary>The command line: parse, run one command through <see cref="CmsMigrator"/>, report, exit code.</summary>
internal static class MigrationsCli
{
    private const string ConnectionEnvVar = "CMS_MIGRATIONS_CONNECTION";
    private const string ProviderEnvVar = "CMS_MIGRATIONS_PROVIDER";

    private const int Ok = 0;
    private const int Failed = 1;
    private const int BadUsage = 2;

    private static readonly string Usage = $"""
        CMS database migrations (FluentMigrator; PostgreSQL or SQLite).

        Usage:
          dotnet run --project migrations -- <command> [options]

        Commands:
          up                    apply every pending migration
          list                  show every migration and whether the database has applied it
          down --version N      revert every applied migration newer than N (0 reverts all); needs --yes
          help                  show this text (also -h, --help)

        Options:
          --provider P          postgres | sqlite (default: ${ProviderEnvVar}, else postgres)
          --connection CS       ADO.NET connection string (default: ${ConnectionEnvVar}).
                                PostgreSQL: log in as the schema owner, e.g.
                                "Host=db;Database=cms;Username=cms_owner;Password=..."
                                Prefer the environment variable: a password on the command line is visible
                                to other users of the machine (ps).
                                SQLite: "Data Source=/var/lib/cms/cms.db" (the directory is created).
          --version N           target version for down
          --yes                 confirm down (it drops tables and their data)
          --quiet               print only the outcome, not FluentMigrator's progress and SQL

        PostgreSQL needs the roles first: psql -v owner_password=... -v app_password=... -d cms -f deploy/postgres/roles.sql
        Exit codes: 0 success, 1 the command failed, 2 bad usage.
        """;

    public static int Run(string[] args)
    {
        Options options;
        try
        {
            options = Options.Parse(args);
        }
        catch (UsageException ex)
        {
            Console.Error.WriteLine($"error: {ex.Message}");
            Console.Error.WriteLine("Run with --help for usage.");
            return BadUsage;
        }

        if (options.Command == "help")
        {
            Console.WriteLine(Usage);
            return Ok;
        }

        var provider = options.Provider ?? Environment.GetEnvironmentVariable(ProviderEnvVar) ?? CmsMigrator.Postgres;
        var connection = options.Connection ?? Environment.GetEnvironmentVariable(ConnectionEnvVar);
        if (string.IsNullOrWhiteSpace(connection))
        {
            Console.Error.WriteLine($"error: no connection string: pass --connection or set {ConnectionEnvVar}.");
            return BadUsage;
        }

        if (!provider.Equals(CmsMigrator.Postgres, StringComparison.OrdinalIgnoreCase)
            && !provider.Equals(CmsMigrator.Sqlite, StringComparison.OrdinalIgnoreCase))
        {
            Console.Error.WriteLine($"error: unknown provider '{provider}': expected '{CmsMigrator.Postgres}' or '{CmsMigrator.Sqlite}'.");
            return BadUsage;
        }

        Action<string>? log = options.Quiet ? null : line => Console.WriteLine("  " + line);
        var target = CmsMigrator.Describe(provider, connection);

        try
        {
            switch (options.Command)
            {
                case "up":
                    Console.WriteLine($"Migrating up: {provider.ToLowerInvariant()} {target}");
                    CmsMigrator.MigrateUp(provider, connection, log);
                    Console.WriteLine($"Done. Applied: {FormatVersions(CmsMigrator.ListApplied(provider, connection))}");
                    return Ok;

                case "down":
                    if (options.Version is not { } version)
                    {
                        Console.Error.WriteLine("error: down needs --version N (the version to keep; 0 reverts everything).");
                        return BadUsage;
                    }

                    if (!options.Yes)
                    {
                        Console.Error.WriteLine(
                            $"error: down drops every table created after version {version}, with its data; add --yes to confirm.");
                        return BadUsage;
                    }

                    Console.WriteLine($"Migrating down to {version}: {provider.ToLowerInvariant()} {target}");
                    CmsMigrator.Rollback(provider, connection, version, log);
                    Console.WriteLine($"Done. Applied: {FormatVersions(CmsMigrator.ListApplied(provider, connection))}");
                    return Ok;

                case "list":
                    var migrations = CmsMigrator.ListMigrations(provider, connection);
                    Console.WriteLine($"Migrations for {provider.ToLowerInvariant()} {target}:");
                    Console.WriteLine($"  {"Version",-14} {"State",-8} Description");
                    foreach (var m in migrations)
                    {
                        Console.WriteLine($"  {m.Version,-14} {(m.Applied ? "applied" : "pending"),-8} {m.Description}");
                    }

                    return Ok;

                default:
                    throw new InvalidOperationException($"Unhandled command {options.Command}.");
            }
        }
        catch (ArgumentException ex)
        {
            Console.Error.WriteLine($"error: {CmsMigrator.Redact(provider, connection, ex.Message)}");
            return BadUsage;
        }
#pragma warning disable CA1031 // The CLI's last line of defence: report any failure as a message and an exit code.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Console.Error.WriteLine($"error: {options.Command} failed on {provider.ToLowerInvariant()} {target}");
            for (var e = ex; e is not null; e = e.InnerException)
            {
                Console.Error.WriteLine($"  {e.GetType().Name}: {CmsMigrator.Redact(provider, connection, e.Message)}");
            }

            return Failed;
        }
    }

    private static string FormatVersions(IReadOnlyList<long> versions) =>
        versions.Count == 0 ? "(none)" : string.Join(", ", versions);

    private sealed class UsageException(string message) : Exception(message);

    private sealed record Options(string Command, string? Provider, string? Connection, long? Version, bool Yes, bool Quiet)
    {
        public static Options Parse(string[] args)
        {
            string? command = null, provider = null, connection = null;
            long? version = null;
            bool yes = false, quiet = false;

            for (var i = 0; i < args.Length; i++)
            {
                var arg = args[i];
                string? inlineValue = null;
                if (arg.StartsWith("--", StringComparison.Ordinal) && arg.Contains('=', StringComparison.Ordinal))
                {
                    inlineValue = arg[(arg.IndexOf('=', StringComparison.Ordinal) + 1)..];
                    arg = arg[..arg.IndexOf('=', StringComparison.Ordinal)];
                }

                string Value()
                {
                    if (inlineValue is not null)
                    {
                        return inlineValue;
                    }

                    if (i + 1 >= args.Length || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                    {
                        throw new UsageException($"{arg} needs a value.");
                    }

                    return args[++i];
                }

                switch (arg)
                {
                    case "-h" or "--help" or "help" or "-?":
                        return new Options("help", null, null, null, false, false);
                    case "--provider":
                        provider = Value();
                        break;
                    case "--connection":
                        connection = Value();
                        break;
                    case "--version":
                        var text = Value();
                        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
                        {
                            throw new UsageException($"--version must be a non-negative whole number, not '{text}'.");
                        }

                        version = parsed;
                        break;
                    case "--yes" or "-y":
                        yes = true;
                        break;
                    case "--quiet" or "-q":
                        quiet = true;
                        break;
                    case "up" or "down" or "list" when command is null:
                        command = arg;
                        break;
                    default:
                        // Never echo a value that might be a connection string.
                        throw new UsageException(arg.StartsWith('-')
                            ? $"unknown option {arg}."
                            : command is null ? $"unknown command '{Truncate(arg)}'." : "unexpected extra argument.");
                }
            }

            if (command is null)
            {
                throw new UsageException("no command given (up, down, list).");
            }

            if (version is not null && command != "down")
            {
                throw new UsageException("--version applies only to down.");
            }

            return new Options(command, provider, connection, version, yes, quiet);
        }

        private static string Truncate(string value) =>
            value.Contains('=', StringComparison.Ordinal) || value.Contains(';', StringComparison.Ordinal) ? "(hidden)" : value;
    }
}
