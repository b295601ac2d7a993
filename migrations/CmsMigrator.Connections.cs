using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Cms.Migrations;

/// <summary>The connection side of the migrator: secrets kept out of its log, the migration lock, SQLite files.</summary>
public static partial class CmsMigrator
{
    /// <summary>Replaces every secret of the connection string (password) found in <paramref name="text"/> with ***.</summary>
    internal static string Redact(string provider, string connectionString, string text)
    {
        try
        {
            foreach (var secret in Secrets(ParseProvider(provider), connectionString))
            {
                text = text.Replace(secret, "***", StringComparison.Ordinal);
            }
        }
        catch (ArgumentException)
        {
            // Unparseable: nothing more to redact than what the caller already hides.
        }

        return text;
    }

    /// <summary>
    /// Takes a transaction-scoped advisory lock on a separate connection and keeps that transaction open until disposed:
    /// a second migrator waits, then finds nothing left to do. Transaction-scoped (not session) so that it is released
    /// even behind a transaction-mode pooler.
    /// </summary>
    private static NpgsqlConnection AcquireMigrationLock(string connectionString, Action<string>? log)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, CommandTimeout = 0 };
        var connection = new NpgsqlConnection(builder.ConnectionString);
        try
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = $"BEGIN; SELECT pg_advisory_xact_lock({MigrationLockKey});";
            log?.Invoke($"Waiting for the migration lock (pg_advisory_xact_lock({MigrationLockKey}))");
            command.ExecuteNonQuery();
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private static bool IsSecretKey(string key) =>
        key.Contains("password", StringComparison.OrdinalIgnoreCase)
        || key.Equals("pwd", StringComparison.OrdinalIgnoreCase)
        || key.Contains("passphrase", StringComparison.OrdinalIgnoreCase);

    private static string[] Secrets(Provider kind, string connectionString)
    {
        try
        {
            DbConnectionStringBuilder builder = kind == Provider.Postgres
                ? new NpgsqlConnectionStringBuilder(connectionString)
                : new SqliteConnectionStringBuilder(connectionString);
            return builder.Keys.Cast<string>()
                .Where(IsSecretKey)
                .Select(k => builder[k]?.ToString())
                .Where(v => !string.IsNullOrEmpty(v))
                .Select(v => v!)
                .ToArray();
        }
        catch (ArgumentException ex)
        {
            // Never echo the string itself: it may hold the password.
            throw new ArgumentException($"The {kind} connection string cannot be parsed: {ex.Message}", nameof(connectionString));
        }
    }

    private static void RequireConnectionString(string connectionString)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new ArgumentException("The connection string is empty.", nameof(connectionString));
        }
    }

    /// <summary>A plain file path (not in-memory, not a file: URI, not empty, which SQLite makes a temporary database).</summary>
    private static bool IsSqliteFile(SqliteConnectionStringBuilder builder) =>
        builder.Mode != SqliteOpenMode.Memory
        && !string.IsNullOrWhiteSpace(builder.DataSource)
        && !builder.DataSource.Equals(":memory:", StringComparison.OrdinalIgnoreCase)
        && !builder.DataSource.StartsWith("file:", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// A SQLite file runs in write-ahead-log mode (the mode is stored in the file): readers no longer block the writer,
    /// and a commit appends to the log instead of rewriting pages, several times faster for the service's one-row
    /// transactions. The service's connections pair it with synchronous=NORMAL (SqliteSession).
    /// </summary>
    private static void UseWriteAheadLog(string connectionString)
    {
        if (!IsSqliteFile(new SqliteConnectionStringBuilder(connectionString)))
        {
            return;
        }

        using var connection = new SqliteConnection(connectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode=WAL;";
        command.ExecuteNonQuery();
    }

    private static void EnsureSqliteDirectory(string connectionString)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString);
        if (!IsSqliteFile(builder))
        {
            return;
        }

        var directory = Path.GetDirectoryName(Path.GetFullPath(builder.DataSource));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }
    }

    /// <summary>Forwards FluentMigrator's log lines to a callback, with any password replaced by ***.</summary>
    private sealed class CallbackLoggerProvider(Action<string> sink, string[] secrets) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new CallbackLogger(this);

        public void Dispose()
        {
        }

        private void Write(string message)
        {
            foreach (var secret in secrets)
            {
                message = message.Replace(secret, "***", StringComparison.Ordinal);
            }

            sink(message);
        }

        private sealed class CallbackLogger(CallbackLoggerProvider owner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

            public void Log<TState>(
                LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (!IsEnabled(logLevel))
                {
                    return;
                }

                var message = formatter(state, exception);
                if (exception is not null)
                {
                    message += Environment.NewLine + exception.Message;
                }

                owner.Write(logLevel >= LogLevel.Warning ? $"{logLevel}: {message}" : message);
            }
        }
    }
}
