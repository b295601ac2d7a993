using System.Data.Common;
using System.Diagnostics;
using System.Text;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Cms.Tests.Support;

/// <summary>What an operator with the database's superuser sees: raw SQL past the service, and everything at rest.</summary>
public static class AtRest
{
    public static async Task SqlAsync(TestDatabase db, string sql)
    {
        await using var connection = db.OpenPrivileged();
        if (db is not PostgresTestDatabase)
        {
            await ExecuteAsync(connection, "PRAGMA foreign_keys = ON");
        }

        await ExecuteAsync(connection, sql);
    }

    /// <summary>SQLite: moves the write-ahead log into the database file and empties it (what happens to old writes in
    /// time); nothing on PostgreSQL.</summary>
    public static async Task CheckpointAsync(TestDatabase db)
    {
        if (db is not PostgresTestDatabase)
        {
            await using var connection = db.OpenPrivileged();
            await ExecuteAsync(connection, "PRAGMA wal_checkpoint(TRUNCATE)");
        }
    }

    public static async Task<string?> ScalarAsync(TestDatabase db, string sql)
    {
        await using var connection = db.OpenPrivileged();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        var value = await command.ExecuteScalarAsync();
        return value is null or DBNull ? null : Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task ExecuteAsync(DbConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Everything at rest: PostgreSQL's pg_dump as the superuser; SQLite's database files, byte for byte.</summary>
    public static async Task<string> DumpAsync(TestDatabase db)
    {
        if (db is PostgresTestDatabase pg)
        {
            return await PgDumpAsync(pg);
        }

        var path = new SqliteConnectionStringBuilder(db.AppConnectionString).DataSource;
        var text = new StringBuilder();
        foreach (var file in new[] { path, path + "-wal", path + "-journal" }.Where(File.Exists))
        {
            await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var memory = new MemoryStream();
            await stream.CopyToAsync(memory);
            text.Append(Encoding.Latin1.GetString(memory.ToArray()));
        }

        return text.ToString();
    }

    public static async Task<string> PgDumpAsync(PostgresTestDatabase pg)
    {
        var bin = Environment.GetEnvironmentVariable("CMS_TEST_PG_BIN");
        var pgDump = !string.IsNullOrWhiteSpace(bin) && File.Exists(Path.Combine(bin, "pg_dump"))
            ? Path.Combine(bin, "pg_dump")
            : "/usr/lib/postgresql/15/bin/pg_dump";
        var admin = new NpgsqlConnectionStringBuilder(pg.AdminConnectionString);
        var start = new ProcessStartInfo(pgDump)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "--host", admin.Host!, "--port", admin.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                     "--username", admin.Username!, "--no-password", "--dbname", admin.Database! })
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["PGPASSWORD"] = admin.Password ?? "";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.That(process.ExitCode, Is.Zero, await error);
        return await output;
    }
}
