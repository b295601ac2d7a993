using System.Globalization;
using System.Threading.RateLimiting;
using Cms.Api.Auth;
using Microsoft.AspNetCore.Mvc;

namespace Cms.Api.Http.RateLimits;

/// <summary>Configuration section <c>Cms:RateLimit</c>: a token bucket per tenant, for all instances together.</summary>
public sealed class RateLimitOptions
{
    public const string Section = "Cms:RateLimit";

    /// <summary>Requests a tenant may make per second, sustained, over all instances together.</summary>
    public int PermitsPerSecond { get; set; } = 100;

    /// <summary>Requests a tenant may make at once after a quiet spell, over all instances together.</summary>
    public int Burst { get; set; } = 200;

    /// <summary>How often an instance refreshes its heartbeat row and recounts the live instances.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>A heartbeat older than this no longer counts as a live instance (three intervals by default).</summary>
    public TimeSpan InstanceExpiry { get; set; } = TimeSpan.FromSeconds(15);

    public string? Validate() =>
        PermitsPerSecond < 1 || Burst < 1 || HeartbeatInterval <= TimeSpan.Zero || InstanceExpiry < HeartbeatInterval * 2
            ? $"{Section}: PermitsPerSecond and Burst must be at least 1, HeartbeatInterval positive and InstanceExpiry at least two intervals."
            : null;
}

/// <summary>
/// Per-tenant rate limiting, so one tenant's burst cannot starve the others: each tenant (from the validated token, never
/// from anything else the caller sends) has its own token bucket; platform operators share one; unauthenticated callers
/// are limited per remote address. The limits are the tenant's over every instance together: each instance holds
/// 1/n of them (<see cref="ShareTokenBucket"/>, n from the heartbeat rows, docs/scaling.md), so nothing is shared or
/// written per request. Refusals are 429 problem details with Retry-After and the IETF draft's RateLimit-Policy and
/// RateLimit fields.
/// </summary>
public static class TenantRateLimiting
{
    public const string PolicyName = "tenant";

    public static IServiceCollection AddTenantRateLimiting(this IServiceCollection services, RateLimitOptions options)
    {
        if (options.Validate() is { } error)
        {
            throw new InvalidOperationException(error);
        }

        services.AddSingleton(options);
        services.AddSingleton<InstanceShare>();
        services.AddSingleton<InstanceHeartbeatWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<InstanceHeartbeatWorker>());
        return services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http =>
            {
                var share = http.RequestServices.GetRequiredService<InstanceShare>();
                return RateLimitPartition.Get(PartitionOf(http), _ => new ShareTokenBucket(options, share, TimeProvider.System));
            });
            o.OnRejected = async (context, cancellationToken) =>
            {
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait)
                    ? Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds))
                    : 1;
                var http = context.HttpContext;
                var seconds = retryAfter.ToString(CultureInfo.InvariantCulture);
                http.Response.Headers.RetryAfter = seconds;
                http.Response.Headers["RateLimit-Policy"] = Policy(options);
                http.Response.Headers["RateLimit"] = $"\"{PolicyName}\";r=0;t={seconds}";
                var problems = http.RequestServices.GetRequiredService<IProblemDetailsService>();
                await problems.WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = http,
                    ProblemDetails = new ProblemDetails
                    {
                        Status = StatusCodes.Status429TooManyRequests,
                        Title = Problems.TitleOf(StatusCodes.Status429TooManyRequests),
                        Detail = $"This tenant's request rate is over its limit; retry after {retryAfter} s.",
                    },
                });
            };
        });
    }

    /// <summary>The tenant's policy (draft-ietf-httpapi-ratelimit-headers): q requests per w seconds, for all instances together.</summary>
    public static string Policy(RateLimitOptions options) =>
        string.Create(CultureInfo.InvariantCulture, $"\"{PolicyName}\";q={options.PermitsPerSecond};w=1");

    private static string PartitionOf(HttpContext http)
    {
        var user = http.User;
        if (user.Identity?.IsAuthenticated == true)
        {
            return user.FindFirst(CmsClaims.TenantId)?.Value is { } tenant ? $"tenant:{tenant}" : "platform";
        }

        return $"anonymous:{http.Connection.RemoteIpAddress}";
    }
}
