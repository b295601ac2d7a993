using System.Diagnostics;
using System.Globalization;

namespace Cms.Tests.Support;

/// <summary>
/// A long-running server process a fixture starts (etcd, Patroni), its output in a log file. Started through
/// <c>sh -c 'exec ...'</c>, so the pid is the server's own; as root, optionally as another OS user through
/// <c>setpriv</c> (which execs too): PostgreSQL refuses to run as root. The pid and its start time go into
/// <c>CMS_TEST_OWNED_PIDS</c>, from where scripts/test.sh ends it if the test host dies before the fixture's teardown.
/// Stopping never throws: teardown must not fail a run.
/// </summary>
public sealed class OwnedProcess
{
    private readonly Process _process;

    private OwnedProcess(Process process, string log)
    {
        _process = process;
        Log = log;
    }

    public int Id => _process.Id;

    public string Log { get; }

    public bool HasExited
    {
        get
        {
            try
            {
                return _process.HasExited;
            }
            catch (InvalidOperationException)
            {
                return true;
            }
        }
    }

    /// <summary>Starts <paramref name="file"/> with <paramref name="args"/>, output to <paramref name="log"/>.</summary>
    public static OwnedProcess Start(string file, IEnumerable<string> args, string log, string workingDirectory, string? runAs = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("sh") { WorkingDirectory = workingDirectory, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("exec \"$@\" >>\"$LOG\" 2>&1 </dev/null");
        start.ArgumentList.Add("sh");
        if (runAs is not null && Environment.UserName == "root")
        {
            foreach (var arg in new[] { "setpriv", $"--reuid={runAs}", $"--regid={runAs}", "--init-groups", "--" })
            {
                start.ArgumentList.Add(arg);
            }
        }

        start.ArgumentList.Add(file);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["LOG"] = log;
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start.");
        Record(process.Id);
        return new OwnedProcess(process, log);
    }

    /// <summary>SIGTERM, up to <paramref name="grace"/> to exit, then SIGKILL. Never throws.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (HasExited)
        {
            return;
        }

        Signal(_process.Id, "TERM");
        using var timeout = new CancellationTokenSource(grace);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            try
            {
                _process.Kill();
            }
            catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // Gone meanwhile.
            }
        }
    }

    /// <summary>Sends a signal to one pid (kill -s NAME pid). Never throws; false when kill failed.</summary>
    public static bool Signal(int pid, string signal)
    {
        try
        {
            using var kill = Process.Start("kill", ["-s", signal, pid.ToString(CultureInfo.InvariantCulture)]);
            kill.WaitForExit(10_000);
            return kill.HasExited && kill.ExitCode == 0;
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    /// <summary>The tail of the log, for a failure message.</summary>
    public string LogTail(int lines = 30)
    {
        try
        {
            return string.Join('\n', File.ReadLines(Log).TakeLast(lines));
        }
        catch (IOException)
        {
            return "(no log)";
        }
    }

    private static void Record(int pid)
    {
        var file = Environment.GetEnvironmentVariable("CMS_TEST_OWNED_PIDS");
        if (string.IsNullOrEmpty(file))
        {
            return;
        }

        try
        {
            // Field 22 of /proc/<pid>/stat is the start time; the comm field (2) may hold spaces, so count after its ')'.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var start = stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[19];
            File.AppendAllText(file, $"{pid} {start}\n");
        }
        catch (IOException)
        {
            // Exited at once: nothing to end later.
        }
    }
}
