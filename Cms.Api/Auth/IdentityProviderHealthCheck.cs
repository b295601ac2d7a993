using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Cms.Api.Auth;

/// <summary>
/// Readiness, with <c>Cms:Auth:Authority</c>: whether the OpenID Connect provider answers. While it does not, an instance
/// that knows signing keys still accepts the tokens they signed, so it stays ready (Degraded, 200) and says so; one that
/// knows none can authenticate nobody and is not ready (Unhealthy, 503).
/// </summary>
public sealed class IdentityProviderHealthCheck(ProviderMetadata metadata) : IHealthCheck
{
    public const string Name = "identity_provider";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var outage = await metadata.CheckReachableAsync(cancellationToken);
        if (metadata.Current is null && outage is null)
        {
            try
            {
                await metadata.GetConfigurationAsync(cancellationToken); // first contact: fetch the keys now
            }
            catch (IdentityProviderUnavailableException)
            {
                // reported below from the recorded outage
            }
        }

        var known = metadata.Current;
        if (outage is null && known is not null)
        {
            return HealthCheckResult.Healthy(
                $"The OpenID Connect provider {metadata.Authority} answers; {known.KeyIds.Count} signing keys fetched at {Time(known.FetchedAt)}.");
        }

        outage ??= metadata.CurrentOutage;
        var unreachable = $"The OpenID Connect provider {metadata.Authority} is unreachable since {Time(outage?.Since)} ({outage?.Reason})";
        return known is null
            ? HealthCheckResult.Unhealthy($"{unreachable}; no signing key is known, so no token can be validated.")
            : HealthCheckResult.Degraded(
                $"{unreachable}; tokens signed with the {known.KeyIds.Count} signing keys fetched at {Time(known.FetchedAt)} are still accepted.");
    }

    private static string Time(DateTimeOffset? at) => at?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) ?? "now";
}
