using System.Globalization;
using System.Threading.RateLimiting;
using Cms.Api.Auth;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;

namespace Cms.Api.Http;

/// <summary>Configuration section <c>Cms:RateLimit</c>: a token bucket per tenant.</summary>
public sealed class RateLimitOptions
{
    public const string Section = "Cms:RateLimit";

    /// <summary>Requests a tenant may make per second, sustained.</summary>
    public int PermitsPerSecond { get; set; } = 100;

    /// <summary>Requests a tenant may make at once after a quiet spell.</summary>
    public int Burst { get; set; } = 200;
}

/// <summary>
/// Per-tenant rate limiting, so one tenant's burst cannot starve the others: each tenant (from the validated token, never
/// from anything else the caller sends) has its own token bucket; platform operators share one; unauthenticated callers
/// are limited per remote address. Refusals are 429 problem details with Retry-After.
/// </summary>
public static class TenantRateLimiting
{
    public static IServiceCollection AddTenantRateLimiting(this IServiceCollection services, RateLimitOptions options) =>
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http =>
                RateLimitPartition.GetTokenBucketLimiter(PartitionOf(http), _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = Math.Max(1, options.Burst),
                    TokensPerPeriod = Math.Max(1, options.PermitsPerSecond),
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                }));
            o.OnRejected = async (context, cancellationToken) =>
            {
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait)
                    ? Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds))
                    : 1;
                var http = context.HttpContext;
                http.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
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
