using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Reflection;

namespace Cms.Tests.Operations;

/// <summary>Publishing the service and running its processes for the deploy checks.</summary>
public sealed partial class DeployTests
{
    private static readonly Dictionary<string, string> Published = [];

    /// <summary>The configuration this test assembly was built in: the build that built it built the projects it references
    /// (the service, the migrator) in the same configuration, just before.</summary>
    private static readonly string BuiltConfiguration =
        typeof(DeployTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";

    /// <summary>The published copies are the run's own temporary folders: removed when the fixture is done.</summary>
    [OneTimeTearDown]
    public void RemovePublishedCopies()
    {
        lock (Published)
        {
            foreach (var folder in Published.Values)
            {
                Directory.Delete(folder, recursive: true);
            }

            Published.Clear();
        }
    }

    /// <summary>dotnet publish of a project into a temporary folder (once per test run and project), from the build this
    /// run already made (--no-build: building again only re-checked every project, about 20 s a publish).</summary>
    private static string Publish(string project)
    {
        lock (Published)
        {
            if (Published.TryGetValue(project, out var existing))
            {
                return existing;
            }

            var output = Directory.CreateTempSubdirectory("cms-publish-").FullName;
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Root };
            foreach (var arg in new[] { "publish", Path.Combine(Root, project), "-c", BuiltConfiguration, "--no-build", "-o", output, "--nologo" })
            {
                start.ArgumentList.Add(arg);
            }

            using var process = Process.Start(start)!;
            var log = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEnd();
            process.WaitForExit();
            Assert.That(process.ExitCode, Is.Zero, $"dotnet publish {project}: {log.Result} {errors}");
            Published[project] = output;
            return output;
        }
    }

    private static Process Start(string[] command, string[] extra, string directory, Dictionary<string, string> environment)
    {
        var start = new ProcessStartInfo(command[0])
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in command.Skip(1).Concat(extra))
        {
            start.ArgumentList.Add(arg);
        }

        // Like a container: only the image's environment and what the test sets (no developer settings leak in).
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("Cms__", StringComparison.Ordinal) || k.StartsWith("OTEL_", StringComparison.Ordinal) || k.StartsWith("ASPNETCORE_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(key);
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        return Process.Start(start)!;
    }

    private static async Task<int> RunAsync(string[] command, string directory, Dictionary<string, string> environment)
    {
        using var process = Start(command, [], directory, environment);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        TestContext.Out.WriteLine($"{string.Join(' ', command)} -> {process.ExitCode}\n{await output}\n{await error}");
        return process.ExitCode;
    }

    private static async Task<string> RunForOutputAsync(string[] command, string directory, Dictionary<string, string> environment)
    {
        using var process = Start(command, [], directory, environment);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        Assert.That(process.ExitCode, Is.Zero, $"{string.Join(' ', command)}: {await error}");
        return await output;
    }

    private static async Task WaitForAsync(HttpClient http, string path, Process process)
    {
        for (var i = 0; i < 300; i++)
        {
            if (process.HasExited)
            {
                Assert.Fail($"The service exited ({process.ExitCode}).");
            }

            try
            {
                if ((await http.GetAsync(path)).StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(100);
        }

        Assert.Fail($"{path} never answered 200.");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string FindRoot()
    {
        var directory = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Cms.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("The repository root (Cms.sln) was not found.");
    }
}
