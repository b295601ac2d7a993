using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Npgsql;

namespace Cms.Tests.Support;

/// <summary>
/// A high-availability pair as production runs it (docs/operations.md): one etcd and two Patroni nodes, a primary and a
/// synchronous standby of PostgreSQL 15, on 127.0.0.1 and free ports, in a temp directory. Each node's configuration is
/// deploy/patroni/patroni.yml as it is, merged (Patroni reads a directory of YAML files in order) with a file of what is
/// local to the node: its name, addresses, data directory and passwords. Binaries from CMS_TEST_PATRONI,
/// CMS_TEST_PATRONICTL and CMS_TEST_ETCD (scripts/test.sh installs the Debian packages); without them the fixture fails
/// under CMS_TEST_REQUIRE_PG=1 (CI) and is skipped with a message elsewhere. Patroni runs as the OS user postgres when
/// root. Dispose stops Patroni, then etcd, and deletes the directory; it never throws.
/// </summary>
public sealed class PatroniCluster : IAsyncDisposable
{
    public const string SuperuserPassword = "cms-patroni-superuser-password";
    private const string ReplicationPassword = "cms-patroni-replication-password";
    private static readonly TimeSpan Bounded = TimeSpan.FromSeconds(90);

    private readonly string _directory;
    private readonly string _patronictl;
    private readonly List<OwnedProcess> _processes = [];
    private OwnedProcess? _etcd;

    private PatroniCluster(string directory, string patronictl)
    {
        _directory = directory;
        _patronictl = patronictl;
    }

    public IReadOnlyList<PatroniNode> Nodes { get; private set; } = [];

    /// <summary>The client of the Patroni REST API (loopback only).</summary>
    private static readonly HttpClient Rest = new() { Timeout = TimeSpan.FromSeconds(5) };

    private int EtcdPort { get; set; }

    public static async Task<PatroniCluster> StartAsync()
    {
        var patroni = Environment.GetEnvironmentVariable("CMS_TEST_PATRONI");
        var patronictl = Environment.GetEnvironmentVariable("CMS_TEST_PATRONICTL");
        var etcd = Environment.GetEnvironmentVariable("CMS_TEST_ETCD");
        if (!File.Exists(patroni) || !File.Exists(patronictl) || !File.Exists(etcd))
        {
            const string message = "The failover tests need Patroni and etcd (CMS_TEST_PATRONI, CMS_TEST_PATRONICTL, CMS_TEST_ETCD): " +
                                   "run them with `bash scripts/test.sh`, which installs the Debian packages patroni and etcd-server.";
            if (Environment.GetEnvironmentVariable(PostgresServer.RequireVariable) == "1" || Environment.GetEnvironmentVariable("CI") is { Length: > 0 })
            {
                Assert.Fail(message);
            }

            Assert.Ignore(message);
        }

        var bin = Environment.GetEnvironmentVariable("CMS_TEST_PG_BIN") is { Length: > 0 } pgBin ? pgBin : "/usr/lib/postgresql/15/bin";
        var directory = Path.Combine(Path.GetTempPath(), "cms-patroni-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(directory);
        var cluster = new PatroniCluster(directory, patronictl!);
        try
        {
            cluster.StartEtcd(etcd!);
            var nodes = new List<PatroniNode>();
            foreach (var name in new[] { "cms-node-1", "cms-node-2" })
            {
                var node = new PatroniNode(name, Path.Combine(directory, name), FreePort(), FreePort());
                cluster.WriteConfiguration(node, bin);
                nodes.Add(node);
            }

            cluster.Nodes = nodes;
            ChownToPostgres(directory);
            foreach (var node in nodes)
            {
                cluster._processes.Add(OwnedProcess.Start(patroni!, [node.ConfigurationDirectory], Path.Combine(node.Directory, "patroni.log"),
                    node.Directory, runAs: "postgres", environment: new Dictionary<string, string> { ["HOME"] = node.Directory }));
            }

            await cluster.WaitHealthyAsync();
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Every node's host:port, for a multi-host connection string.</summary>
    public string Hosts => string.Join(',', Nodes.Select(n => $"127.0.0.1:{n.PostgresPort}"));

    /// <summary>The superuser on the given node (one host, no pooling).</summary>
    public static NpgsqlConnectionStringBuilder Admin(PatroniNode node) => new()
    {
        Host = "127.0.0.1",
        Port = node.PostgresPort,
        Username = "postgres",
        Password = SuperuserPassword,
        Database = "postgres",
        Pooling = false,
        Timeout = 5,
    };

    /// <summary>
    /// Waits (bounded) until one node leads and the other is its synchronous standby, both running, as the REST API of
    /// every node reports it; returns the leader.
    /// </summary>
    public async Task<PatroniNode> WaitHealthyAsync()
    {
        var deadline = Stopwatch.StartNew();
        var last = "";
        while (deadline.Elapsed < Bounded)
        {
            foreach (var node in Nodes)
            {
                try
                {
                    var members = await MembersAsync(node);
                    last = string.Join("; ", members.Select(m => $"{m.Name} {m.Role} {m.State} lag {m.Lag}"));
                    var leader = members.SingleOrDefault(m => m is { Role: "leader", State: "running" });
                    if (leader.Name is not null && members.Count == Nodes.Count &&
                        members.Any(m => m is { Role: "sync_standby", State: "running" or "streaming", Lag: 0 }))
                    {
                        return Nodes.Single(n => n.Name == leader.Name);
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException)
                {
                    last = $"{node.Name}: {ex.GetType().Name}";
                }
            }

            await Task.Delay(250);
        }

        Assert.Fail($"The Patroni pair did not become a leader and a synchronous standby within {Bounded.TotalSeconds} s ({last}).\n{LogTails()}");
        throw new UnreachableException();
    }

    /// <summary>The last lines of each node's Patroni log (PostgreSQL's log goes there too), for a failure message.</summary>
    public string LogTails(int lines = 40) => string.Join("\n", _processes.Select(p => $"--- {p.Log}\n{p.LogTail(lines)}"));

    /// <summary>The leader's postmaster pid, from its data directory (Patroni started it; this cluster started Patroni).</summary>
    public static int PostmasterPid(PatroniNode node)
    {
        var pid = int.Parse(File.ReadLines(Path.Combine(node.DataDirectory, "postmaster.pid")).First(), CultureInfo.InvariantCulture);
        var command = File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        Assert.That(command, Does.Contain("postgres").And.Contain(node.DataDirectory), "the pid in postmaster.pid is the node's postmaster");
        return pid;
    }

    /// <summary>A planned switchover to the other node, as an operator runs it (patronictl, this node's configuration).</summary>
    public async Task SwitchoverAsync(PatroniNode leader, PatroniNode candidate)
    {
        var start = new ProcessStartInfo(_patronictl) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "-c", leader.ConfigurationDirectory, "switchover", "--leader", leader.Name, "--candidate", candidate.Name, "--force" })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("patronictl did not start.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(Bounded);
        await process.WaitForExitAsync(timeout.Token);
        Assert.That(process.ExitCode, Is.EqualTo(0), $"patronictl switchover: {await output} {await error}");
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();

        // Both nodes at once, while etcd still answers: a Patroni without its store retries instead of stopping.
        await Task.WhenAll(_processes.Select(p => p.StopAsync(TimeSpan.FromSeconds(30))));
        foreach (var node in Nodes)
        {
            StopOrphanPostmaster(node);
        }

        if (_etcd is not null)
        {
            await _etcd.StopAsync(TimeSpan.FromSeconds(10));
        }

        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The temp directory is the OS's to clean then.
        }
    }

    private void StartEtcd(string etcd)
    {
        EtcdPort = FreePort();
        var peer = FreePort();
        var dir = Path.Combine(_directory, "etcd");
        Directory.CreateDirectory(dir);
        _etcd = OwnedProcess.Start(etcd, [
            "--name", "cms-test", "--data-dir", Path.Combine(dir, "data"),
            "--listen-client-urls", $"http://127.0.0.1:{EtcdPort}", "--advertise-client-urls", $"http://127.0.0.1:{EtcdPort}",
            "--listen-peer-urls", $"http://127.0.0.1:{peer}", "--initial-advertise-peer-urls", $"http://127.0.0.1:{peer}",
            "--initial-cluster", $"cms-test=http://127.0.0.1:{peer}",
        ], Path.Combine(dir, "etcd.log"), dir);
    }

    /// <summary>deploy/patroni/patroni.yml as it is (10-cms.yml) and what is local to this node (20-local.yml).</summary>
    private void WriteConfiguration(PatroniNode node, string bin)
    {
        Directory.CreateDirectory(node.ConfigurationDirectory);
        File.Copy(Path.Combine(RepoPaths.Root, "deploy", "patroni", "patroni.yml"), Path.Combine(node.ConfigurationDirectory, "10-cms.yml"));
        File.WriteAllText(Path.Combine(node.ConfigurationDirectory, "20-local.yml"), string.Create(CultureInfo.InvariantCulture, $$"""
            # This test node's own settings (Cms.Tests/Support/PatroniCluster.cs); everything else is deploy/patroni/patroni.yml.
            name: {{node.Name}}
            restapi:
              listen: 127.0.0.1:{{node.RestPort}}
              connect_address: 127.0.0.1:{{node.RestPort}}
            etcd3:
              hosts: 127.0.0.1:{{EtcdPort}}
            postgresql:
              listen: 127.0.0.1:{{node.PostgresPort}}
              connect_address: 127.0.0.1:{{node.PostgresPort}}
              data_dir: {{node.DataDirectory}}
              bin_dir: {{bin}}
              pgpass: {{Path.Combine(node.Directory, "pgpass")}}
              authentication:
                superuser:
                  password: {{SuperuserPassword}}
                replication:
                  password: {{ReplicationPassword}}
              parameters:
                unix_socket_directories: {{node.Directory}}
                # The test kills a postmaster, never the machine: the OS keeps what was written, so fsync can go.
                fsync: "off"
            """));
    }

    /// <summary>The members as this node's REST API sees them; a replica's lag in bytes (-1: unknown, a leader has none).</summary>
    private static async Task<List<(string Name, string Role, string State, long Lag)>> MembersAsync(PatroniNode node)
    {
        using var json = JsonDocument.Parse(await Rest.GetStringAsync($"http://127.0.0.1:{node.RestPort}/cluster"));
        return [.. json.RootElement.GetProperty("members").EnumerateArray().Select(m =>
            (m.GetProperty("name").GetString()!, m.GetProperty("role").GetString()!, m.GetProperty("state").GetString()!,
                m.TryGetProperty("lag", out var lag) && lag.ValueKind == JsonValueKind.Number ? lag.GetInt64() : -1))];
    }

    /// <summary>A postmaster its Patroni did not stop (Patroni killed after its grace): ended by its pid, if it is the node's.</summary>
    private static void StopOrphanPostmaster(PatroniNode node)
    {
        try
        {
            var pidFile = Path.Combine(node.DataDirectory, "postmaster.pid");
            if (!File.Exists(pidFile))
            {
                return;
            }

            var pid = int.Parse(File.ReadLines(pidFile).First(), CultureInfo.InvariantCulture);
            if (File.Exists($"/proc/{pid}/cmdline") && File.ReadAllText($"/proc/{pid}/cmdline").Contains(node.DataDirectory, StringComparison.Ordinal))
            {
                OwnedProcess.Signal(pid, "QUIT"); // immediate shutdown: the directory is deleted next
            }
        }
        catch (Exception ex) when (ex is IOException or FormatException or InvalidOperationException or UnauthorizedAccessException)
        {
            // Nothing left to stop.
        }
    }

    private static void ChownToPostgres(string directory)
    {
        if (Environment.UserName != "root")
        {
            return;
        }

        using var chown = Process.Start("chown", ["-R", "postgres:", directory]);
        chown.WaitForExit();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>One Patroni node of <see cref="PatroniCluster"/>.</summary>
public sealed record PatroniNode(string Name, string Directory, int PostgresPort, int RestPort)
{
    public string ConfigurationDirectory => Path.Combine(Directory, "conf");

    public string DataDirectory => Path.Combine(Directory, "data");
}
