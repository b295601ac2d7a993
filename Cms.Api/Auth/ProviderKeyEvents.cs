using Microsoft.AspNetCore.Authentication.JwtBearer;

namespace Cms.Api.Auth;

/// <summary>
/// The JWT bearer events that keep the provider's keys current (<see cref="ProviderMetadata"/>), around the validated-token
/// cache's: the scheduled refresh is started even when the cache answers, a token signed with a key id not known yet
/// makes the instance fetch the keys before the handler validates it, and a request that finds no key known and the
/// provider unreachable is a 401 rather than an unhandled error.
/// </summary>
public static class ProviderKeyEvents
{
    public static JwtBearerEvents Apply(JwtBearerEvents events, ProviderMetadata metadata)
    {
        var received = events.OnMessageReceived;
        var failed = events.OnAuthenticationFailed;
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
        return events;
    }
}
