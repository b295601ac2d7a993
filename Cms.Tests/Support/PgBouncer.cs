using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Cms.Tests.Support;

/// <summary>
/// A PgBouncer in transaction mode in front of one test database (configured like deploy/pgbouncer/pgbouncer.ini),
/// started and stopped by the test that uses it. The binary comes from the test command (CMS_TEST_PGBOUNCER).
/// </summary>
public sealed class PgBouncer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _directory;

    private PgBouncer(Process process, string directory, int port)
    {
        _process = process;
        _directory = directory;
        Port = port;
    }

    public int Port { get; }

    public static async Task<PgBouncer> StartAsync(PostgresTestDatabase database)
    {
        var binary = Environment.GetEnvironmentVariable("CMS_TEST_PGBOUNCER");
        if (string.IsNullOrEmpty(binary))
        {
            binary = File.Exists("/usr/sbin/pgbouncer") ? "/usr/sbin/pgbouncer" : null;
        }

        if (binary is null)
        {
            Assert.Fail("PgBouncer is not installed: run the tests with `bash scripts/test.sh`, which installs it.");
        }

        var server = new NpgsqlConnectionStringBuilder(database.AppConnectionString);
        var port = FreePort();
        var directory = Path.Combine(Path.GetTempPath(), "cms-pgbouncer-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(directory);
        var ini = Path.Combine(directory, "pgbouncer.ini");
        await File.WriteAllTextAsync(ini, string.Create(CultureInfo.InvariantCulture, $"""
            [databases]
            {database.DatabaseName} = host={server.Host} port={server.Port} dbname={database.DatabaseName}

            [pgbouncer]
            listen_addr = 127.0.0.1
            listen_port = {port}
            unix_socket_dir =
            pool_mode = transaction
            auth_type = plain
            auth_file = {Path.Combine(directory, "userlist.txt")}
            max_client_conn = 500
            default_pool_size = 8
            ignore_startup_parameters = extra_float_digits
            server_reset_query =
            logfile = {Path.Combine(directory, "pgbouncer.log")}
            """));
        await File.WriteAllTextAsync(Path.Combine(directory, "userlist.txt"), $"\"cms_app\" \"{PostgresTestDatabase.AppPassword}\"\n");

        var start = new ProcessStartInfo(binary!) { RedirectStandardError = true, RedirectStandardOutput = true };
        if (Environment.UserName == "root")
        {
            // PgBouncer refuses to run as root: it drops to the postgres user, which must read its files.
            RunChecked("chown", "-R", "postgres", directory);
            start.ArgumentList.Add("-u");
            start.ArgumentList.Add("postgres");
        }

        start.ArgumentList.Add(ini);
        var process = Process.Start(start) ?? throw new InvalidOperationException("PgBouncer did not start.");
        var bouncer = new PgBouncer(process, directory, port);
        await bouncer.WaitUntilListeningAsync();
        return bouncer;
    }

    /// <summary>The service's connection through this PgBouncer.</summary>
    public string AppConnectionString(PostgresTestDatabase database) =>
        new NpgsqlConnectionStringBuilder(database.AppConnectionString)
        {
            Host = "127.0.0.1",
            Port = Port,
            NoResetOnClose = true,
            MaxPoolSize = 40,
        }.ConnectionString;

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private async Task WaitUntilListeningAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                var log = Path.Combine(_directory, "pgbouncer.log");
                Assert.Fail($"PgBouncer exited ({_process.ExitCode}): {await _process.StandardError.ReadToEndAsync()} {(File.Exists(log) ? await File.ReadAllTextAsync(log) : "")}");
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }

        Assert.Fail("PgBouncer did not listen within 15 s.");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static void RunChecked(string file, params string[] args)
    {
        using var process = Process.Start(file, args);
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} failed with {process.ExitCode}.");
        }
    }
}
