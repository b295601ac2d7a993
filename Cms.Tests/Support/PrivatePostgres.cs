using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Cms.Tests.Support;

/// <summary>
/// A PostgreSQL cluster apart from the test command's (initdb in a temp directory, 127.0.0.1 on a free port), for tests
/// that stop or restart the server: the test command's cluster serves every other fixture and must never go down. Binaries
/// from CMS_TEST_PG_BIN; as root the server runs as the OS user postgres (initdb refuses root), as scripts/test.sh does.
/// Dispose stops it (fast) and deletes its directory.
/// </summary>
public sealed class PrivatePostgres : IAsyncDisposable
{
    private const string Password = "cms-private-cluster-password";

    private readonly string _bin;
    private readonly string _directory;

    private PrivatePostgres(string bin, string directory, int port)
    {
        _bin = bin;
        _directory = directory;
        Port = port;
    }

    public int Port { get; }

    public bool IsRunning { get; private set; }

    /// <summary>The superuser, over TCP.</summary>
    public NpgsqlConnectionStringBuilder Admin => new()
    {
        Host = "127.0.0.1",
        Port = Port,
        Username = "postgres",
        Password = Password,
        Database = "postgres",
        Pooling = false,
        Timeout = 5,
    };

    private static readonly SemaphoreSlim SharedGate = new(1, 1);
    private static PrivatePostgres? _shared;

    /// <summary>
    /// The run's one private cluster for the fixtures that stop or restart their server (<see cref="PrivateClusterFixture"/>):
    /// started by the first of them, kept for the others (each with a database of its own), deleted after the last test
    /// (<see cref="TestRun"/>). Those fixtures never run at the same time (they are NonParallelizable, and the run is serial).
    /// </summary>
    public static async Task<PrivatePostgres> SharedAsync()
    {
        await SharedGate.WaitAsync();
        try
        {
            return _shared ??= await StartAsync();
        }
        finally
        {
            SharedGate.Release();
        }
    }

    /// <summary>Deletes the shared cluster, if one was started; never throws.</summary>
    public static async Task DisposeSharedAsync()
    {
        var shared = Interlocked.Exchange(ref _shared, null);
        if (shared is not null)
        {
            await shared.DisposeAsync();
        }
    }

    public static async Task<PrivatePostgres> StartAsync()
    {
        var bin = Environment.GetEnvironmentVariable("CMS_TEST_PG_BIN");
        if (string.IsNullOrEmpty(bin))
        {
            bin = "/usr/lib/postgresql/15/bin";
        }

        if (!File.Exists(Path.Combine(bin, "initdb")))
        {
            Assert.Fail($"PostgreSQL binaries not found in {bin}: run the tests with `bash scripts/test.sh` (it sets CMS_TEST_PG_BIN).");
        }

        var directory = Path.Combine(Path.GetTempPath(), "cms-private-pg-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(directory);
        var server = new PrivatePostgres(bin, directory, FreePort());
        try
        {
            var pwfile = Path.Combine(directory, "pwfile");
            await File.WriteAllTextAsync(pwfile, Password + "\n");
            if (IsRoot)
            {
                server.Run("chown", "-R", "postgres:", directory);
            }

            server.RunPg("initdb", "-D", server.DataDirectory, "-U", "postgres", $"--pwfile={pwfile}", "--encoding=UTF8", "--locale=C.UTF-8",
                "--auth-local=trust", "--auth-host=scram-sha-256");
            File.Delete(pwfile);
            await File.WriteAllTextAsync(Path.Combine(server.DataDirectory, "pg_hba.conf"),
                "local all all trust\nhost all all 127.0.0.1/32 scram-sha-256\n");
            await File.AppendAllTextAsync(Path.Combine(server.DataDirectory, "postgresql.conf"), string.Create(CultureInfo.InvariantCulture, $"""

                listen_addresses = '127.0.0.1'
                port = {server.Port}
                unix_socket_directories = '{directory}'
                max_connections = 100
                fsync = off
                full_page_writes = off
                """));
            if (IsRoot)
            {
                server.Run("chown", "-R", "postgres:", directory);
            }

            server.Start();
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    private string DataDirectory => Path.Combine(_directory, "data");

    private static bool IsRoot => Environment.UserName == "root";

    /// <summary>Starts the server and waits until it accepts connections (pg_ctl -w, bounded).</summary>
    public void Start()
    {
        RunPg("pg_ctl", "-D", DataDirectory, "-l", Path.Combine(_directory, "server.log"), "-w", "-t", "60", "start");
        IsRunning = true;
    }

    /// <summary>Fast shutdown: open sessions are terminated, open transactions roll back.</summary>
    public void Stop()
    {
        RunPg("pg_ctl", "-D", DataDirectory, "-m", "fast", "-w", "-t", "60", "stop");
        IsRunning = false;
    }

    public void Restart()
    {
        RunPg("pg_ctl", "-D", DataDirectory, "-l", Path.Combine(_directory, "server.log"), "-m", "fast", "-w", "-t", "60", "restart");
        IsRunning = true;
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (File.Exists(Path.Combine(DataDirectory, "postmaster.pid")))
        {
            try
            {
                Stop();
            }
            catch (InvalidOperationException)
            {
                // Reported by the test's own failure, if any; the directory goes anyway.
            }
        }

        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }

        await Task.CompletedTask;
    }

    private void RunPg(string tool, params string[] args)
    {
        var path = Path.Combine(_bin, tool);
        if (IsRoot)
        {
            Run("runuser", ["-u", "postgres", "--", path, .. args]);
        }
        else
        {
            Run(path, args);
        }
    }

    private void Run(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = _directory, // readable by postgres, unlike the caller's directory may be
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        if (!process.WaitForExit(90_000))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{Path.GetFileName(file)} {string.Join(' ', args)} did not finish in 90 s.");
        }

        if (process.ExitCode != 0)
        {
            var log = Path.Combine(_directory, "server.log");
            throw new InvalidOperationException(
                $"{string.Join(' ', args.Take(4))} failed ({process.ExitCode}): {stderr} {stdout.Result} {(File.Exists(log) ? File.ReadAllText(log) : "")}");
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
