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
/// <item>the tenant is read from the claim the provider puts it in (<see cref="AuthOptions.TenantClaim"/>, e.g. a
/// namespaced one) into the <c>tenant_id</c> claim the rest of the service reads; a token's own <c>tenant_id</c> is then
/// ignored.</item>
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
            if (options.TenantClaim != CmsClaims.TenantId && context.Principal?.Identity is ClaimsIdentity identity)
            {
                foreach (var own in identity.FindAll(CmsClaims.TenantId).ToList())
                {
                    identity.RemoveClaim(own);
                }

                foreach (var tenant in identity.FindAll(options.TenantClaim).ToList())
                {
                    identity.AddClaim(new Claim(CmsClaims.TenantId, tenant.Value, tenant.ValueType, tenant.Issuer));
                }
            }

            await validated(context);
        };
        return events;
    }
}
