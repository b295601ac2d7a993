using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Cms.Tests.Support;

/// <summary>
/// A real OpenID Connect provider (the oidc-provider package, tools/oidc-provider/provider.js) as its own Node process on
/// 127.0.0.1, on a port it chose itself: discovery, JWKS, client-credentials tokens signed RS256 or ES256. The tests
/// register clients (each a service's identity: client id = the token's <c>sub</c>, with its tenant) and add or remove
/// signing keys at run time through its loopback admin routes. It stops when disposed, and by itself when this test
/// process goes away (it exits when its standard input closes). Installed by scripts/test.sh (<c>npm ci</c>); a provider
/// that cannot start fails the test, it is never skipped.
/// </summary>
public sealed class OidcProvider : IAsyncDisposable
{
    /// <summary>The audience (resource indicator) the tests' service accepts.</summary>
    public const string Audience = "api://cms-tests";

    private static readonly SemaphoreSlim SharedGate = new(1, 1);
    private static OidcProvider? _shared;

    private readonly Process _process;
    private readonly HttpClient _http;
    private readonly StringBuilder _errors = new();
    private readonly Dictionary<string, string> _secrets = new(StringComparer.Ordinal);
    private int _disposed;

    private OidcProvider(Process process, Uri issuer, string adminToken)
    {
        _process = process;
        Issuer = issuer;
        _http = new HttpClient { BaseAddress = issuer, Timeout = TimeSpan.FromSeconds(30) };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminToken);
    }

    /// <summary>The issuer, which is also the authority the service is configured with.</summary>
    public Uri Issuer { get; }

    public string Authority => Issuer.ToString().TrimEnd('/');

    /// <summary>The run's provider, started on first use and stopped at the end of the run (<see cref="TestRun"/>).</summary>
    public static async Task<OidcProvider> SharedAsync()
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

    public static async Task StopSharedAsync()
    {
        var shared = Interlocked.Exchange(ref _shared, null);
        if (shared is not null)
        {
            await shared.DisposeAsync();
        }
    }

    /// <summary>Starts a provider of its own (another issuer, or one a test stops); the caller disposes it.</summary>
    /// <remarks>In three full runs of about 2,000 tests a node process started mid-run never printed its first line
    /// within 60 s (it starts in half a second by hand; the cause is not found). A start that has not answered within
    /// 20 s is killed and tried again, at most three times, and each failed attempt is reported.</remarks>
    public static async Task<OidcProvider> StartAsync()
    {
        var failures = new List<string>();
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            try
            {
                return await StartOnceAsync(TimeSpan.FromSeconds(20));
            }
            catch (InvalidOperationException ex)
            {
                failures.Add($"attempt {attempt}: {ex.Message}");
                TestContext.Progress.WriteLine($"[oidc-provider] start attempt {attempt} failed: {ex.Message}");
            }
        }

        throw new InvalidOperationException($"The OpenID Connect provider did not start: {string.Join(" | ", failures)}");
    }

    private static async Task<OidcProvider> StartOnceAsync(TimeSpan bound)
    {
        var directory = ProviderDirectory();
        var adminToken = Convert.ToHexString(RandomNumberGenerator.GetBytes(24));
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = directory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("provider.js");
        start.Environment["CMS_OIDC_ADMIN_TOKEN"] = adminToken;
        var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start.");
        var errors = new StringBuilder();
        process.ErrorDataReceived += (_, e) =>
        {
            lock (errors)
            {
                errors.AppendLine(e.Data);
            }
        };
        process.BeginErrorReadLine();
        try
        {
            var line = await process.StandardOutput.ReadLineAsync().WaitAsync(bound);
            if (line is null)
            {
                throw new InvalidOperationException($"The OpenID Connect provider exited before it listened: {Errors(errors)}");
            }

            using var ready = JsonDocument.Parse(line);
            var issuer = new Uri(ready.RootElement.GetProperty("issuer").GetString()!);
            var provider = new OidcProvider(process, issuer, adminToken);
            lock (errors)
            {
                provider._errors.Append(errors);
            }

            return provider;
        }
        catch (Exception ex) when (ex is TimeoutException or JsonException or InvalidOperationException or KeyNotFoundException)
        {
            var state = process.HasExited ? $"exited with {process.ExitCode}" : $"running, {process.TotalProcessorTime.TotalMilliseconds:F0} ms of CPU used";
            Kill(process);
            throw new InvalidOperationException($"The OpenID Connect provider in {directory} did not start ({state}): {ex.Message} {Errors(errors)}", ex);
        }
    }

    /// <summary>Registers (or replaces) a client allowed the client-credentials grant: its id is the tokens' subject;
    /// <paramref name="claims"/> are added to its tokens as they are (e.g. Entra's <c>roles</c>, an Auth0 namespaced claim).</summary>
    public async Task RegisterClientAsync(string clientId, Guid? tenantId, string? scope = null, string alg = "RS256", int issuedSecondsAgo = 0,
        IReadOnlyDictionary<string, object>? claims = null)
    {
        var secret = Convert.ToHexString(RandomNumberGenerator.GetBytes(24));
        using var answer = await _http.PostAsJsonAsync("/admin/clients", new
        {
            client_id = clientId,
            client_secret = secret,
            tenant_id = tenantId?.ToString(),
            scope,
            alg,
            issued_seconds_ago = issuedSecondsAgo,
            claims,
        });
        await EnsureAsync(answer, HttpStatusCode.Created);
        _secrets[clientId] = secret;
    }

    /// <summary>A client-credentials access token, as a service would get it (client_secret_basic at the token endpoint).</summary>
    public async Task<string> TokenAsync(string clientId, string audience = Audience, string? scope = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/token");
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Uri.EscapeDataString(clientId)}:{Uri.EscapeDataString(_secrets[clientId])}")));
        var form = new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["resource"] = audience };
        if (scope is not null)
        {
            form["scope"] = scope;
        }

        request.Content = new FormUrlEncodedContent(form);
        using var answer = await _http.SendAsync(request);
        await EnsureAsync(answer, HttpStatusCode.OK);
        using var body = JsonDocument.Parse(await answer.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty("access_token").GetString()!;
    }

    /// <summary>Adds a signing key to the JWKS; it signs this algorithm's tokens from now on. Returns its kid.</summary>
    public async Task<string> AddKeyAsync(string alg)
    {
        using var answer = await _http.PostAsJsonAsync("/admin/keys", new { alg });
        await EnsureAsync(answer, HttpStatusCode.Created);
        using var body = JsonDocument.Parse(await answer.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty("kid").GetString()!;
    }

    /// <summary>Removes a key from the JWKS (the previous key of its algorithm signs again).</summary>
    public async Task RemoveKeyAsync(string kid)
    {
        using var answer = await _http.DeleteAsync($"/admin/keys/{Uri.EscapeDataString(kid)}");
        await EnsureAsync(answer, HttpStatusCode.OK);
    }

    /// <summary>How many times relying parties have fetched the JWKS from this provider.</summary>
    public async Task<int> JwksFetchesAsync()
    {
        using var answer = await _http.GetAsync("/admin/stats");
        await EnsureAsync(answer, HttpStatusCode.OK);
        using var body = JsonDocument.Parse(await answer.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty("jwks").GetInt32();
    }

    /// <summary>Stops the process (idempotent, never throws): its standard input closes, then it is killed if still running.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        try
        {
            if (!_process.HasExited)
            {
                _process.StandardInput.Close();
                using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await _process.WaitForExitAsync(wait.Token);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or InvalidOperationException or IOException)
        {
            Kill(_process);
        }
        finally
        {
            _http.Dispose();
            _process.Dispose();
        }
    }

    private async Task EnsureAsync(HttpResponseMessage answer, HttpStatusCode expected)
    {
        if (answer.StatusCode != expected)
        {
            throw new InvalidOperationException(
                $"OpenID Connect provider {answer.RequestMessage?.Method} {answer.RequestMessage?.RequestUri?.AbsolutePath}: " +
                $"{(int)answer.StatusCode} {await answer.Content.ReadAsStringAsync()} {Errors(_errors)}");
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5000);
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
        {
            // already gone
        }
    }

    private static string Errors(StringBuilder errors)
    {
        lock (errors)
        {
            return errors.Length == 0 ? string.Empty : $"(stderr: {errors.ToString().Trim()})";
        }
    }

    /// <summary>tools/oidc-provider with its packages installed: CMS_TEST_OIDC_PROVIDER (set by scripts/test.sh) or the
    /// repository's folder above the test assembly.</summary>
    private static string ProviderDirectory()
    {
        var configured = Environment.GetEnvironmentVariable("CMS_TEST_OIDC_PROVIDER");
        var directory = !string.IsNullOrWhiteSpace(configured) ? configured : FindInRepository();
        if (directory is null || !File.Exists(Path.Combine(directory, "node_modules", "oidc-provider", "package.json")))
        {
            throw new InvalidOperationException(
                $"The OpenID Connect provider is not installed ({directory ?? "tools/oidc-provider not found"}): " +
                "run the tests through scripts/test.sh, which installs it with npm ci.");
        }

        return directory;
    }

    private static string? FindInRepository()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tools", "oidc-provider");
            if (File.Exists(Path.Combine(candidate, "provider.js")))
            {
                return candidate;
            }
        }

        return null;
    }
}
