using System.Collections.Concurrent;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.JwtBearer;

namespace Cms.Api.Auth;

/// <summary>
/// Bearer tokens that passed the JWT handler's full validation (signature, issuer, audience, algorithm, lifetime), so a
/// client that sends the same token on every request is not parsed and HMAC-checked again each time (measured at about
/// 3 % of the service's CPU under the read benchmark, docs/performance.md). What it does not change:
/// <list type="bullet">
/// <item>An entry is keyed by the exact token text, signature included: a token that differs in one character is
/// validated afresh, and only a validated token is ever stored.</item>
/// <item>An entry ends when its token expires (<c>exp</c>, without the handler's clock skew, so never later than the
/// handler would accept it) and at the latest <see cref="MaxAge"/> after it was validated, so a signing key that is
/// withdrawn stops being trusted within that time as it would be for a new token.</item>
/// <item>With an OpenID Connect provider, an entry is used only while the key that signed its token is still among the
/// provider's signing keys as last fetched (<see cref="ProviderMetadata.Publishes"/>): a key removed from the JWKS stops
/// being trusted at the next metadata refresh, for remembered tokens as for new ones.</item>
/// <item>It holds who the token says the caller is, nothing else: roles are still read from the database on every
/// request (AuthorizationBehaviour), so a revoked role or a deactivation still takes effect at once.</item>
/// </list>
/// Bounded (<see cref="Capacity"/> entries; when full, expired entries are swept and, failing that, nothing more is
/// stored and tokens are simply validated as before). Each request gets its own copy of the principal.
/// </summary>
public sealed class ValidatedTokenCache(TimeProvider time, Func<string, bool>? keyStillTrusted = null)
{
    public const int Capacity = 10_000;

    public static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(5);

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public int Count => _entries.Count;

    /// <summary>The principal of a token validated before and not yet expired, as a fresh copy; otherwise null.</summary>
    public ClaimsPrincipal? Find(string token)
    {
        if (!_entries.TryGetValue(token, out var entry))
        {
            return null;
        }

        if (time.GetUtcNow() >= entry.Until || (keyStillTrusted is not null && (entry.KeyId is null || !keyStillTrusted(entry.KeyId))))
        {
            _entries.TryRemove(new KeyValuePair<string, Entry>(token, entry));
            return null;
        }

        return Copy(entry.Principal);
    }

    /// <summary>Remembers a token the handler has just validated, until its expiry (<paramref name="expiresUtc"/>) or <see cref="MaxAge"/>;
    /// <paramref name="keyId"/> names the key that signed it (required with a provider, whose keys may be withdrawn).</summary>
    public void Add(string token, ClaimsPrincipal principal, DateTime expiresUtc, string? keyId = null)
    {
        if (expiresUtc == DateTime.MinValue || string.IsNullOrEmpty(token) || (keyStillTrusted is not null && keyId is null))
        {
            return; // no expiry to honour, or no key to check it against: not remembered
        }

        var now = time.GetUtcNow();
        var expires = new DateTimeOffset(DateTime.SpecifyKind(expiresUtc, DateTimeKind.Utc));
        var until = expires < now + MaxAge ? expires : now + MaxAge;
        if (until <= now)
        {
            return;
        }

        if (_entries.Count >= Capacity)
        {
            foreach (var (key, old) in _entries)
            {
                if (now >= old.Until)
                {
                    _entries.TryRemove(new KeyValuePair<string, Entry>(key, old));
                }
            }

            if (_entries.Count >= Capacity)
            {
                return;
            }
        }

        _entries[token] = new Entry(Copy(principal), until, keyId);
    }

    /// <summary>A copy down to the identities and their claims (<see cref="ClaimsPrincipal.Clone"/> shares the identities).</summary>
    private static ClaimsPrincipal Copy(ClaimsPrincipal principal) => new(principal.Identities.Select(i => i.Clone()));

    /// <summary>The JWT bearer events that consult the cache before validation and fill it after.</summary>
    public JwtBearerEvents Events() => new()
    {
        OnMessageReceived = context =>
        {
            if (BearerToken(context.Request.Headers.Authorization) is { } token && Find(token) is { } principal)
            {
                context.Principal = principal;
                context.Success();
            }

            return Task.CompletedTask;
        },
        OnTokenValidated = context =>
        {
            if (context.Principal is { } principal && context.SecurityToken is { } validated
                && BearerToken(context.Request.Headers.Authorization) is { } token)
            {
                Add(token, principal, validated.ValidTo, SigningKeyId(validated));
            }

            return Task.CompletedTask;
        },
    };

    /// <summary>The token of an <c>Authorization: Bearer …</c> header, read as the JWT handler reads it.</summary>
    public static string? BearerToken(Microsoft.Extensions.Primitives.StringValues header)
    {
        if (header.Count != 1 || header[0] is not { } value)
        {
            return null;
        }

        const string scheme = "Bearer ";
        return value.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) && value.Length > scheme.Length
            ? value[scheme.Length..].Trim()
            : null;
    }

    /// <summary>The id of the key the handler validated the signature with (the token's <c>kid</c> when the key has none).</summary>
    private static string? SigningKeyId(Microsoft.IdentityModel.Tokens.SecurityToken token) =>
        token.SigningKey?.KeyId is { Length: > 0 } keyId ? keyId : (token as Microsoft.IdentityModel.JsonWebTokens.JsonWebToken)?.Kid;

    private sealed record Entry(ClaimsPrincipal Principal, DateTimeOffset Until, string? KeyId);
}
