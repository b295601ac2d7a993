using Cms.Infrastructure.Crypto;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Cms.Api;

/// <summary>
/// Readiness: the tenant key vault can create a key now. An unwritable or missing vault directory would otherwise show
/// only when a tenant's first consumer is registered (a 500); an instance that cannot seal is not ready.
/// </summary>
public sealed class TenantKeyVaultHealthCheck(ITenantKeyVault vault) : IHealthCheck
{
    public const string Name = "tenant_key_vault";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await vault.ProbeAsync(cancellationToken);
            return HealthCheckResult.Healthy($"The tenant key vault ({vault.Kind}) can create keys.");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            return HealthCheckResult.Unhealthy($"The tenant key vault ({vault.Kind}) cannot create keys: {ex.GetType().Name}.");
        }
    }
}
