using System.Security.Cryptography;
using Cms.Infrastructure.Persistence;

namespace Cms.Infrastructure.Crypto;

/// <summary>
/// Master-key rotation: every tenant key not yet wrapped with the active master key version is unwrapped with its old
/// version and re-wrapped with the active one. Consumer keys and rows are untouched (they hang off the tenant key, which
/// does not change). Runs one transaction per tenant, inside that tenant's scope (row-level security applies).
/// Idempotent: run it after configuring the new version as active, then remove the old version from configuration.
/// </summary>
public sealed class MasterKeyRotation(TenantWork tenants, IMasterKeyProvider master)
{
    /// <summary>Re-wraps every tenant key under the active master key version; returns how many rows changed.</summary>
    public async Task<int> RewrapTenantKeysAsync(CancellationToken cancellationToken)
    {
        var tenantIds = await tenants.RunAsync(null,
            (db, token) => db.QueryAsync<Guid>("SELECT id FROM tenants ORDER BY id", null, token), cancellationToken, commit: false);
        var rewrapped = 0;
        foreach (var tenantId in tenantIds)
        {
            rewrapped += await tenants.RunAsync(tenantId, (db, token) => RewrapAsync(db, tenantId, token), cancellationToken);
        }

        return rewrapped;
    }

    private async Task<int> RewrapAsync(DbSession db, Guid tenantId, CancellationToken cancellationToken)
    {
        var rewrapped = 0;
        var active = master.ActiveVersion;
        var rows = await db.QueryAsync<TenantKeyRow>(
            $"SELECT {TenantKeyRow.Columns} FROM tenant_keys WHERE tenant_id = @TenantId AND master_key_version <> @Active",
            new { TenantId = tenantId, Active = active }, cancellationToken);
        foreach (var row in rows)
        {
            var associatedData = TenantKeyRow.AssociatedData(row.TenantId, row.Version);
            var key = master.Unwrap(row.MasterKeyVersion, Convert.FromBase64String(row.WrappedKey), associatedData);
            try
            {
                rewrapped += await db.ExecuteAsync(
                    """
                    UPDATE tenant_keys SET wrapped_key = @WrappedKey, master_key_version = @Active
                    WHERE tenant_id = @TenantId AND version = @Version AND master_key_version = @Old
                    """,
                    new
                    {
                        TenantId = tenantId,
                        row.Version,
                        WrappedKey = Convert.ToBase64String(master.Wrap(active, key, associatedData)),
                        Active = active,
                        Old = row.MasterKeyVersion,
                    },
                    cancellationToken);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(key);
            }
        }

        return rewrapped;
    }
}
