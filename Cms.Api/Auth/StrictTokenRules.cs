using System.Text;
using System.Text.Json;
using Cms.Application.Common;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Cms.Api.Auth;

/// <summary>
/// What a bearer token must also be, beyond the handler's signature, issuer, audience and lifetime checks (each failure
/// is a 401, like any invalid token):
/// <list type="bullet">
/// <item>at most <see cref="AuthOptions.MaxTokenBytes"/> long, refused before it is parsed;</item>
/// <item>its registered time claims (<c>exp</c>, required; <c>nbf</c>, <c>iat</c>) JSON numbers (RFC 7519 NumericDate),
/// not strings, and no later than the last second of the year 9999;</item>
/// <item>a locally signed token (no <c>Authority</c>) expiring within <see cref="AuthOptions.MaxTokenLifetime"/>;</item>
/// <item>its <c>sub</c> and <c>tenant_id</c> free of NUL characters (<see cref="InputGuard"/>) and at most 200 characters,
/// since the subject is looked up in the database on every request and scopes the caller's idempotency keys.</item>
/// </list>
/// </summary>
public static class StrictTokenRules
{
    /// <summary>9999-12-31T23:59:59Z, the last second .NET (and so the handler) can represent.</summary>
    public const long LatestNumericDate = 253_402_300_799;

    private static readonly string[] TimeClaims = ["exp", "nbf", "iat"];

    /// <summary>The cache's events with these rules in front: too large a token is refused before the cache or the
    /// handler reads it, and a validated token is checked before the cache remembers it.</summary>
    public static JwtBearerEvents Apply(JwtBearerEvents events, AuthOptions options, TimeProvider time)
    {
        var received = events.OnMessageReceived;
        var validated = events.OnTokenValidated;
        events.OnMessageReceived = async context =>
        {
            var header = context.Request.Headers.Authorization;
            if (header.Count > 0 && Encoding.UTF8.GetByteCount(header.ToString()) > options.MaxTokenBytes + "Bearer ".Length)
            {
                context.Fail($"The bearer token is longer than {options.MaxTokenBytes} bytes.");
                return;
            }

            await received(context);
        };
        events.OnTokenValidated = async context =>
        {
            if (Refusal(context.SecurityToken as JsonWebToken, options, time.GetUtcNow()) is { } reason)
            {
                context.Fail(reason);
                return;
            }

            await validated(context);
        };
        return events;
    }

    /// <summary>Why the validated token is still refused, or null.</summary>
    public static string? Refusal(JsonWebToken? token, AuthOptions options, DateTimeOffset now)
    {
        if (token is null)
        {
            return "The token is not a JSON web token.";
        }

        using var payload = JsonDocument.Parse(Base64UrlDecode(token.EncodedPayload));
        if (payload.RootElement.ValueKind != JsonValueKind.Object)
        {
            return "The token's payload is not a JSON object.";
        }

        foreach (var name in TimeClaims)
        {
            if (!payload.RootElement.TryGetProperty(name, out var claim))
            {
                if (name == "exp")
                {
                    return "The token has no exp claim.";
                }

                continue;
            }

            if (claim.ValueKind != JsonValueKind.Number || !claim.TryGetDouble(out var seconds) || seconds < 0 || seconds > LatestNumericDate)
            {
                return $"The token's {name} claim must be a NumericDate (seconds since 1970 as a JSON number, at most the year 9999).";
            }
        }

        if (string.IsNullOrWhiteSpace(options.Authority) && token.ValidTo > now.UtcDateTime + options.MaxTokenLifetime)
        {
            return $"A locally signed token may be valid for at most {options.MaxTokenLifetime}.";
        }

        foreach (var name in new[] { CmsClaims.Subject, CmsClaims.TenantId })
        {
            if (token.TryGetPayloadValue<object>(name, out var value) && value?.ToString() is { } text
                && (InputGuard.HasNul(text) || text.Length > Cms.Domain.Common.Limits.Subject))
            {
                return $"The token's {name} claim holds a NUL character or is longer than {Cms.Domain.Common.Limits.Subject} characters.";
            }
        }

        return null;
    }

    private static byte[] Base64UrlDecode(string text) => Microsoft.IdentityModel.Tokens.Base64UrlEncoder.DecodeBytes(text);
}
