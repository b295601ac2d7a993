using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.JwtBearer;

namespace Cms.Api.Auth;

/// <summary>
/// The JWT bearer events of an OpenID Connect provider's tokens, around the validated-token cache's:
/// <list type="bullet">
/// <item>the provider's keys are kept current (<see cref="ProviderMetadata"/>): the scheduled refresh is started even when
/// the cache answers, and a token signed with a key id not known yet makes the instance fetch the keys before the handler
/// validates it;</item>
/// <item>a request that finds no key known and the provider unreachable is a 401 rather than an unhandled error;</item>
/// <item>the tenant is read from the claim the provider puts it in (<see cref="AuthOptions.TenantClaim"/>: <c>tenant_id</c>,
/// a namespaced claim, or an application role with a prefix) into the one <c>tenant_id</c> claim the rest of the service
/// reads; a token that names two tenants is refused.</item>
/// </list>
/// </summary>
public static class ProviderEvents
{
    public static JwtBearerEvents Apply(JwtBearerEvents events, ProviderMetadata metadata, AuthOptions options)
    {
        var received = events.OnMessageReceived;
        var failed = events.OnAuthenticationFailed;
        var validated = events.OnTokenValidated;
        events.OnMessageReceived = async context =>
        {
            metadata.RefreshIfDue();
            await received(context);
            if (context.Result is null && ValidatedTokenCache.BearerToken(context.Request.Headers.Authorization) is { } token)
            {
                await metadata.EnsureKeyAsync(token, context.HttpContext.RequestAborted);
            }
        };
        events.OnAuthenticationFailed = async context =>
        {
            if (context.Exception is IdentityProviderUnavailableException unavailable)
            {
                context.Fail(unavailable); // the handler would rethrow it: an error answer, not a refused token
                return;
            }

            await failed(context);
        };
        events.OnTokenValidated = async context =>
        {
            if (context.Principal?.Identity is ClaimsIdentity identity && TenantOf(identity, options) is { } refusal)
            {
                context.Fail(refusal);
                return;
            }

            await validated(context);
        };
        return events;
    }

    /// <summary>
    /// Puts the tenant the provider states (<see cref="AuthOptions.TenantClaim"/>, values starting with
    /// <see cref="AuthOptions.TenantValuePrefix"/>, the prefix taken off) into the one <c>tenant_id</c> claim the service
    /// reads, replacing any the token carried itself. Two tenant values are ambiguous: the reason to refuse the token.
    /// </summary>
    private static string? TenantOf(ClaimsIdentity identity, AuthOptions options)
    {
        var prefix = options.TenantValuePrefix ?? string.Empty;
        var tenants = identity.FindAll(options.TenantClaim)
            .Where(c => c.Value.StartsWith(prefix, StringComparison.Ordinal))
            .Select(c => c.Value[prefix.Length..])
            .Distinct(StringComparer.Ordinal)
            .ToList();
        if (tenants.Count > 1)
        {
            return $"The token names {tenants.Count} tenants in its {options.TenantClaim} claim; a caller acts for one.";
        }

        foreach (var own in identity.FindAll(CmsClaims.TenantId).ToList())
        {
            identity.RemoveClaim(own);
        }

        if (tenants is [var tenant])
        {
            identity.AddClaim(new Claim(CmsClaims.TenantId, tenant));
        }

        return null;
    }
}
