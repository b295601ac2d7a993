using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Cms.Tests.Support;

/// <summary>
/// A real PostgreSQL streaming replica (hot standby) of the test command's cluster, for the CQRS read-side tests:
/// <c>pg_basebackup -R</c> clones the running cluster over the replication protocol into a temp directory (every
/// database, role and grant comes along), and the clone is started on a free loopback port, where it streams and
/// replays the primary's WAL. As root the server runs as the OS user <c>postgres</c> (initdb's rule, as
/// scripts/test.sh does). Disposing stops it by its data directory (pg_ctl stop) and removes the directory. Binaries
/// from CMS_TEST_PG_BIN; the primary's pg_hba.conf must allow replication from 127.0.0.1 (scripts/test.sh does).
/// </summary>
public sealed class StreamingReplica : IAsyncDisposable
{
    private readonly string _bin;
    private readonly string _directory;
    private bool _started;

    private StreamingReplica(string bin, string directory, NpgsqlConnectionStringBuilder admin, int port)
    {
        _bin = bin;
        _directory = directory;
        Port = port;
        AdminConnection = new NpgsqlConnectionStringBuilder(admin.ConnectionString) { Port = port, Pooling = false };
    }

    public int Port { get; }

    /// <summary>The superuser on the replica (database postgres).</summary>
    public NpgsqlConnectionStringBuilder AdminConnection { get; }

    private string DataDirectory => Path.Combine(_directory, "data");

    private static bool IsRoot => Environment.UserName == "root";

    public static async Task<StreamingReplica> StartAsync()
    {
        var admin = PostgresServer.AdminConnection();
        var bin = Environment.GetEnvironmentVariable("CMS_TEST_PG_BIN") is { Length: > 0 } configured ? configured : "/usr/lib/postgresql/15/bin";
        if (!File.Exists(Path.Combine(bin, "pg_basebackup")))
        {
            Assert.Fail($"pg_basebackup not found in {bin}: run the tests with `bash scripts/test.sh` (CMS_TEST_PG_BIN).");
        }

        var directory = Path.Combine(Path.GetTempPath(), "cms-test-replica-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(directory);
        // The password reaches pg_basebackup (and then the replica's primary_conninfo, which names the passfile)
        // through a 0600 passfile, never a command line.
        var passfile = Path.Combine(directory, "pgpass");
        await File.WriteAllTextAsync(passfile, $"{admin.Host}:{admin.Port}:*:{admin.Username}:{admin.Password}\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(passfile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        if (IsRoot)
        {
            Run("chown", ["-R", "postgres:", directory]);
        }

        var replica = new StreamingReplica(bin, directory, admin, FreePort());
        try
        {
            replica.RunAsOwner("pg_basebackup", ["-h", admin.Host!, "-p", admin.Port.ToString(CultureInfo.InvariantCulture), "-U", admin.Username!,
                "-D", replica.DataDirectory, "-R", "-X", "stream", "-c", "fast", "-w", "--no-sync"], passfile);

            // The clone carries the primary's postgresql.conf (its socket directory among it): the command line wins.
            replica._started = true;
            replica.RunAsOwner("pg_ctl", ["-D", replica.DataDirectory, "-l", Path.Combine(directory, "replica.log"), "-w", "-t", "60",
                "-o", $"-p {replica.Port} -k {directory} -c listen_addresses=127.0.0.1 -c hot_standby=on", "start"], passfile);
            await replica.WaitUntilStreamingAsync();
            return replica;
        }
        catch
        {
            await replica.DisposeAsync();
            throw;
        }
    }

    /// <summary>The cms_app login of <paramref name="database"/> on the replica.</summary>
    public string AppConnectionString(PostgresTestDatabase database) =>
        new NpgsqlConnectionStringBuilder(database.AppConnectionString) { Port = Port }.ConnectionString;

    /// <summary>The superuser on <paramref name="database"/> on the replica.</summary>
    public string AdminConnectionString(PostgresTestDatabase database) =>
        new NpgsqlConnectionStringBuilder(AdminConnection.ConnectionString) { Database = database.DatabaseName }.ConnectionString;

    /// <summary>Waits until the replica has replayed everything the primary had written when this was called.</summary>
    public async Task CatchUpAsync()
    {
        string target;
        await using (var primary = await Connections.OpenAsync(PostgresServer.AdminConnection().ConnectionString))
        {
            // The insert position, not the write position: with synchronous_commit = off (the test cluster) a commit's
            // record may still sit in the WAL buffers, ahead of pg_current_wal_lsn().
            await using var lsn = new NpgsqlCommand("SELECT pg_current_wal_insert_lsn()::text", primary);
            target = (string)(await lsn.ExecuteScalarAsync())!;
        }

        await WaitForAsync($"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn", $"replay up to {target}");
    }

    /// <summary>Stops applying WAL (the replica keeps serving reads, now of a frozen past).</summary>
    public async Task PauseReplayAsync()
    {
        await ScalarAsync("SELECT pg_wal_replay_pause()");
        await WaitForAsync("SELECT pg_get_wal_replay_pause_state() = 'paused'", "replay paused");
    }

    public Task ResumeReplayAsync() => ScalarAsync("SELECT pg_wal_replay_resume()");

    public async Task<object?> ScalarAsync(string sql, string? database = null)
    {
        var builder = new NpgsqlConnectionStringBuilder(AdminConnection.ConnectionString);
        if (database is not null)
        {
            builder.Database = database;
        }

        await using var connection = await Connections.OpenAsync(builder.ConnectionString);
        await using var command = new NpgsqlCommand(sql, connection);
        var value = await command.ExecuteScalarAsync();
        return value is DBNull ? null : value;
    }

    public async ValueTask DisposeAsync()
    {
        if (_started && File.Exists(Path.Combine(DataDirectory, "postmaster.pid")))
        {
            try
            {
                RunAsOwner("pg_ctl", ["-D", DataDirectory, "stop", "-m", "fast", "-w"], passfile: null);
            }
            catch (InvalidOperationException ex)
            {
                await TestContext.Error.WriteLineAsync($"stopping the replica failed: {ex.Message}");
            }
        }

        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private async Task WaitForAsync(string condition, string what)
    {
        // Not a timed assertion: replay takes what it takes; the bound only turns a broken replica into a failure.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                if (await ScalarAsync(condition) is true)
                {
                    return;
                }
            }
            catch (NpgsqlException) when (DateTime.UtcNow < deadline)
            {
                // Still starting up.
            }

            if (DateTime.UtcNow >= deadline)
            {
                var log = Path.Combine(_directory, "replica.log");
                Assert.Fail($"The replica did not reach '{what}' within 60 s. {(File.Exists(log) ? await File.ReadAllTextAsync(log) : "")}");
            }

            await Task.Delay(50);
        }
    }

    private async Task WaitUntilStreamingAsync()
    {
        await WaitForAsync("SELECT pg_is_in_recovery()", "hot standby accepting reads");
        await WaitForAsync("SELECT EXISTS (SELECT FROM pg_stat_wal_receiver WHERE status = 'streaming')", "streaming from the primary");
    }

    private void RunAsOwner(string tool, string[] args, string? passfile)
    {
        var path = Path.Combine(_bin, tool);
        var start = IsRoot ? new ProcessStartInfo("runuser") : new ProcessStartInfo(path);
        if (IsRoot)
        {
            foreach (var arg in new[] { "-u", "postgres", "--", path })
            {
                start.ArgumentList.Add(arg);
            }
        }

        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.WorkingDirectory = _directory; // readable by postgres, unlike the test's own directory perhaps
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        if (passfile is not null)
        {
            start.Environment["PGPASSFILE"] = passfile;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{tool} did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{tool} failed ({process.ExitCode}): {stderr} {stdout.Result}");
        }
    }

    private static void Run(string file, string[] args)
    {
        using var process = Process.Start(file, args);
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} failed with {process.ExitCode}.");
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
