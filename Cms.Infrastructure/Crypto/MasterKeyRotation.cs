using System.Security.Cryptography;
using Cms.Infrastructure.Persistence;

namespace Cms.Infrastructure.Crypto;

/// <summary>What a <c>rewrap-tenant-keys</c> run changed.</summary>
public sealed record TenantKeyRewrap(int TenantKeys, int VaultEntries, int Destroyed);

/// <summary>
/// Brings every stored tenant key to the current form (<see cref="TenantKeyWrapping"/>): behind the tenant key vault and
/// under the active master key. It converts the keys of tenants created before the vault (wrapped by the master key only;
/// docs/adr/0021-tenant-keys-outside-the-database.md), and after a master-key rotation re-wraps the rest and re-seals the
/// vault's own entries. A tenant key itself never changes, so consumer keys and rows are untouched. One transaction per
/// tenant, inside that tenant's scope (row-level security applies); each row is replaced only if it is still the one read.
/// Idempotent: run it after configuring the new master key version as active, then remove the old version.
/// </summary>
public sealed class MasterKeyRotation(TenantWork tenants, IMasterKeyProvider master, ITenantKeyVault vault)
{
    private readonly TenantKeyWrapping _wrapping = new(master, vault);

    /// <summary>Re-wraps every tenant key not in the current form; returns what changed.</summary>
    public async Task<TenantKeyRewrap> RewrapTenantKeysAsync(CancellationToken cancellationToken)
    {
        var tenantIds = await tenants.RunAsync(null,
            (db, token) => db.QueryAsync<Guid>("SELECT id FROM tenants ORDER BY id", null, token), cancellationToken, commit: false);
        var rewrapped = 0;
        var destroyed = 0;
        foreach (var tenantId in tenantIds)
        {
            var (changed, gone) = await tenants.RunAsync(tenantId, (db, token) => RewrapAsync(db, tenantId, token), cancellationToken);
            rewrapped += changed;
            destroyed += gone;
        }

        return new TenantKeyRewrap(rewrapped, await vault.ResealUnderActiveMasterKeyAsync(cancellationToken), destroyed);
    }

    private async Task<(int Rewrapped, int Destroyed)> RewrapAsync(DbSession db, Guid tenantId, CancellationToken cancellationToken)
    {
        var rewrapped = 0;
        var destroyed = 0;
        var rows = await db.QueryAsync<TenantKeyRow>(
            $"SELECT {TenantKeyRow.Columns} FROM tenant_keys WHERE tenant_id = @TenantId AND wrapped_key <> ''",
            new { TenantId = tenantId }, cancellationToken);
        foreach (var row in rows.Where(r => !_wrapping.IsCurrent(r)))
        {
            var key = Array.Empty<byte>();
            try
            {
                key = await _wrapping.UnwrapAsync(row, cancellationToken);
                var wrapped = await _wrapping.WrapAsync(tenantId, row.Version, key, cancellationToken);
                rewrapped += await db.ExecuteAsync(
                    """
                    UPDATE tenant_keys SET wrapped_key = @WrappedKey, master_key_version = @MasterKeyVersion
                    WHERE tenant_id = @TenantId AND version = @Version AND wrapped_key = @Old
                    """,
                    new { TenantId = tenantId, row.Version, WrappedKey = wrapped.Stored, wrapped.MasterKeyVersion, Old = row.WrappedKey },
                    cancellationToken);
            }
            catch (TenantKeyDestroyedException)
            {
                // Being offboarded: the vault entry went first and the worker overwrites the row next.
                destroyed++;
            }
            finally
            {
                CryptographicOperations.ZeroMemory(key);
            }
        }

        return (rewrapped, destroyed);
    }
}
