using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace Cms.Api.Auth;

/// <summary>
/// The OpenID Connect provider's metadata (discovery document and signing keys, <c>Cms:Auth:Authority</c>) as this
/// instance knows it, in place of IdentityModel's ConfigurationManager (ADR 0017):
/// <list type="bullet">
/// <item>refreshed every <see cref="AuthOptions.MetadataRefreshInterval"/> in the background, the request that finds it
/// due served at once with the keys known (IdentityModel's floor for this interval is five minutes);</item>
/// <item>a token signed with a key id the instance does not know makes it fetch the keys before the token is validated
/// (<see cref="EnsureKeyAsync"/>), so the first request after a rotation is accepted rather than refused; such fetches and
/// retries after a failure are at most one per <see cref="AuthOptions.MetadataRetryInterval"/>, and concurrent callers
/// share one fetch;</item>
/// <item>a failed fetch keeps the keys already known: the provider being down does not lock callers out;</item>
/// <item>its state (keys, when fetched, since when the provider fails to answer) is what readiness reports
/// (<see cref="IdentityProviderHealthCheck"/>).</item>
/// </list>
/// </summary>
public sealed class ProviderMetadata : IConfigurationManager<OpenIdConnectConfiguration>, IDisposable
{
    private readonly HttpClient _http;
    private readonly HttpDocumentRetriever _retriever;
    private readonly AuthOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<ProviderMetadata> _logger;
    private readonly Lock _lock = new();
    private Task<Snapshot?>? _inflight;
    private long _nextRefreshTicks; // UTC ticks; read without the lock on every request, written under it
    private long _lastUnknownKeyFetchTicks;
    private volatile Snapshot? _current;
    private volatile Outage? _outage;

    public ProviderMetadata(AuthOptions options, TimeProvider time, ILogger<ProviderMetadata> logger, HttpMessageHandler? handler = null)
    {
        _options = options;
        _time = time;
        _logger = logger;
        Authority = options.Authority?.TrimEnd('/') ?? throw new InvalidOperationException("Cms:Auth:Authority is not set.");
        MetadataAddress = Authority + "/.well-known/openid-configuration";
        _http = new HttpClient(handler ?? new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            Timeout = TimeSpan.FromSeconds(10),
        };
        _retriever = new HttpDocumentRetriever(_http) { RequireHttps = !AuthOptions.IsLoopbackHttp(Authority) };
    }

    public string Authority { get; }

    public string MetadataAddress { get; }

    /// <summary>The metadata last fetched, or null before the first successful fetch.</summary>
    public Snapshot? Current => _current;

    /// <summary>Since when the provider has not answered (the last fetch or reachability check failed), or null.</summary>
    public Outage? CurrentOutage => _outage;

    /// <summary>The configuration the JWT handler validates with: the keys known, fetched first if none are.</summary>
    public async Task<OpenIdConnectConfiguration> GetConfigurationAsync(CancellationToken cancel)
    {
        var current = _current;
        if (current is null)
        {
            current = await RefreshAsync(Fetch.Now).WaitAsync(cancel) ?? _current;
            return current?.Configuration ?? throw new IdentityProviderUnavailableException(
                $"The OpenID Connect provider {Authority} could not be reached and no signing key is known yet: {_outage?.Reason}");
        }

        RefreshIfDue();
        return current.Configuration;
    }

    /// <summary>Starts the scheduled refresh in the background when it is due; the caller goes on with the keys known.</summary>
    public void RefreshIfDue()
    {
        if (_current is not null && _time.GetUtcNow().UtcTicks >= Volatile.Read(ref _nextRefreshTicks))
        {
            _ = RefreshAsync(Fetch.Scheduled);
        }
    }

    /// <summary>The JWT handler asks for this when a key was not found; the instance already fetched before validation
    /// (<see cref="EnsureKeyAsync"/>), so this only brings the next scheduled refresh forward, within the retry interval.</summary>
    public void RequestRefresh()
    {
        var earliest = Volatile.Read(ref _lastUnknownKeyFetchTicks) + _options.MetadataRetryInterval.Ticks;
        var now = _time.GetUtcNow().UtcTicks;
        lock (_lock)
        {
            Volatile.Write(ref _nextRefreshTicks, Math.Max(now, earliest));
        }
    }

    /// <summary>Whether the key id is among the provider's signing keys as last fetched (validated-token cache).</summary>
    public bool Publishes(string keyId) => _current?.KeyIds.Contains(keyId) == true;

    /// <summary>
    /// Before a token is validated: when it names a key id the instance does not know, fetch the provider's keys now
    /// (or join the fetch in flight), unless the last such fetch is more recent than the retry interval. A token of an
    /// unknown key that stays unknown is then refused by the handler as usual.
    /// </summary>
    public async Task EnsureKeyAsync(string token, CancellationToken cancel)
    {
        var current = _current;
        if (current is null || KeyIdOf(token) is not { } kid || current.KeyIds.Contains(kid))
        {
            return; // no keys yet: the handler fetches them; no key id: nothing to look for
        }

        Task<Snapshot?> fetch;
        lock (_lock)
        {
            if (_inflight is { IsCompleted: false } running)
            {
                fetch = running;
            }
            else if (_time.GetUtcNow().UtcTicks - _lastUnknownKeyFetchTicks >= _options.MetadataRetryInterval.Ticks)
            {
                fetch = StartFetch(Fetch.UnknownKey);
            }
            else
            {
                return;
            }
        }

        await fetch.WaitAsync(cancel);
    }

    /// <summary>
    /// Readiness: asks the provider for its discovery document, the answer kept for a few seconds. A failure starts an
    /// outage (kept until the provider answers again); an answer while an outage was recorded brings the next refresh
    /// forward, so keys rotated meanwhile are fetched.
    /// </summary>
    public async Task<Outage?> CheckReachableAsync(CancellationToken cancel)
    {
        var now = _time.GetUtcNow();
        if (_lastCheck is { } last && now - last.At < ReachabilityCacheTime && (last.Outage is not null || _outage is null))
        {
            return last.Outage; // a fetch that failed since the last answer is not hidden by it
        }

        Outage? outage;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            timeout.CancelAfter(TimeSpan.FromSeconds(3));
            using var answer = await _http.GetAsync(MetadataAddress, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            outage = answer.IsSuccessStatusCode ? null : RecordFailure($"its discovery document answers {(int)answer.StatusCode}");
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException && !cancel.IsCancellationRequested)
        {
            outage = RecordFailure(Describe(ex));
        }

        if (outage is null && _outage is not null)
        {
            _ = RefreshAsync(Fetch.Now);
        }

        _lastCheck = new Check(now, outage ?? _outage);
        return _lastCheck.Outage;
    }

    private static readonly TimeSpan ReachabilityCacheTime = TimeSpan.FromSeconds(2);

    private volatile Check? _lastCheck;

    private Task<Snapshot?> RefreshAsync(Fetch reason)
    {
        lock (_lock)
        {
            if (_inflight is { IsCompleted: false } running)
            {
                return running;
            }

            // Scheduled fetches wait for their time; so does any fetch after a failed one (the retry interval), so that
            // requests arriving while the provider is down and no key is known do not each try it again.
            if ((reason == Fetch.Scheduled || _outage is not null) && _time.GetUtcNow().UtcTicks < _nextRefreshTicks)
            {
                return Task.FromResult(_current);
            }

            return StartFetch(reason);
        }
    }

    /// <summary>Called under the lock. Only fetches for unknown key ids count against the retry interval: the first fetch
    /// or a scheduled one just before a rotation must not delay the fetch that finds the new key.</summary>
    private Task<Snapshot?> StartFetch(Fetch reason)
    {
        var now = _time.GetUtcNow().UtcTicks;
        if (reason == Fetch.UnknownKey)
        {
            Volatile.Write(ref _lastUnknownKeyFetchTicks, now);
        }

        Volatile.Write(ref _nextRefreshTicks, now + _options.MetadataRetryInterval.Ticks); // no second fetch while this one runs or after it fails
        _inflight = Task.Run(FetchAsync);
        return _inflight;
    }

    /// <summary>Fetches discovery and keys; never throws (a failure keeps what is known and records the outage).</summary>
    private async Task<Snapshot?> FetchAsync()
    {
        try
        {
            var configuration = await OpenIdConnectConfigurationRetriever.GetAsync(MetadataAddress, _retriever, CancellationToken.None);
            if (string.IsNullOrWhiteSpace(configuration.Issuer))
            {
                throw new InvalidOperationException("the discovery document names no issuer");
            }

            var now = _time.GetUtcNow();
            var keyIds = configuration.SigningKeys.Select(k => k.KeyId).Where(k => !string.IsNullOrEmpty(k)).ToHashSet(StringComparer.Ordinal);
            var previous = _current;
            var snapshot = new Snapshot(configuration, now, keyIds);
            _current = snapshot;
            _outage = null;
            lock (_lock)
            {
                Volatile.Write(ref _nextRefreshTicks, (now + _options.MetadataRefreshInterval).UtcTicks);
            }

            if (previous is null || !previous.KeyIds.SetEquals(keyIds))
            {
                _logger.LogInformation("OpenID Connect provider {Authority}: signing keys {KeyIds} (added {Added}, removed {Removed})",
                    Authority, string.Join(", ", keyIds), string.Join(", ", keyIds.Except(previous?.KeyIds ?? new HashSet<string>())),
                    string.Join(", ", previous?.KeyIds.Except(keyIds) ?? []));
            }

            return snapshot;
        }
        catch (Exception ex)
        {
            var outage = RecordFailure(Describe(ex));
            _logger.LogWarning("OpenID Connect provider {Authority} could not be read ({Reason}); the {Count} signing keys known are still used",
                Authority, outage.Reason, _current?.KeyIds.Count ?? 0);
            return null;
        }
    }

    private Outage RecordFailure(string reason)
    {
        var outage = _outage;
        if (outage is null)
        {
            outage = new Outage(reason, _time.GetUtcNow());
            _outage = outage;
        }

        return outage;
    }

    /// <summary>The innermost cause, which says what went wrong (connection refused, name not resolved, timeout).</summary>
    private static string Describe(Exception ex)
    {
        var inner = ex;
        while (inner.InnerException is not null)
        {
            inner = inner.InnerException;
        }

        return inner switch
        {
            OperationCanceledException or TimeoutException => "no answer in time",
            HttpRequestException { StatusCode: { } status } => $"HTTP {(int)status} {status}",
            System.Net.Sockets.SocketException socket => socket.SocketErrorCode == System.Net.Sockets.SocketError.ConnectionRefused
                ? "connection refused"
                : socket.Message,
            _ => inner.Message,
        };
    }

    /// <summary>The <c>kid</c> of a compact JWS's header, read without validating anything; null when there is none.</summary>
    public static string? KeyIdOf(string token)
    {
        try
        {
            return new JsonWebToken(token).Kid is { Length: > 0 } kid ? kid : null;
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or System.Text.Json.JsonException)
        {
            return null; // not a JWT: the handler refuses it
        }
    }

    public void Dispose() => _http.Dispose();

    public sealed record Snapshot(OpenIdConnectConfiguration Configuration, DateTimeOffset FetchedAt, IReadOnlySet<string> KeyIds);

    public sealed record Outage(string Reason, DateTimeOffset Since);

    private sealed record Check(DateTimeOffset At, Outage? Outage);

    private enum Fetch
    {
        Scheduled,
        Now,
        UnknownKey,
    }
}

/// <summary>No signing key is known and the provider cannot be reached: the request cannot be authenticated now.</summary>
public sealed class IdentityProviderUnavailableException(string message) : InvalidOperationException(message);
