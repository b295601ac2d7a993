using System.Globalization;
using System.Security.Cryptography;

namespace Cms.Infrastructure.Crypto;

internal sealed class TenantKeyRow
{
    public Guid TenantId { get; init; }
    public int Version { get; init; }
    public string WrappedKey { get; init; } = "";
    public string MasterKeyVersion { get; init; } = "";

    public const string Columns = "tenant_id, version, wrapped_key, master_key_version";

    public static byte[] AssociatedData(Guid tenantId, int version) =>
        Aead.Utf8($"cms|{tenantId:D}|tenant_keys|{version.ToString(CultureInfo.InvariantCulture)}");
}

/// <summary>A tenant key as stored in tenant_keys.wrapped_key, and the master key version it names.</summary>
internal readonly record struct WrappedTenantKey(string Stored, string MasterKeyVersion);

/// <summary>
/// The stored form of a tenant key (docs/adr/0021-tenant-keys-outside-the-database.md):
/// <c>"vault:" + base64(master.Wrap(vault.Wrap(tenant key)))</c>, both layers AES-256-GCM with the associated data
/// "cms|&lt;tenant&gt;|tenant_keys|&lt;version&gt;". The inner layer needs the tenant's entry in the tenant key vault, the outer
/// one the master key: a database backup with the master keys opens nothing once the vault entry is destroyed. Rows written
/// before the vault (plain base64, master key only) still open; <c>rewrap-tenant-keys</c> converts them.
/// </summary>
internal sealed class TenantKeyWrapping(IMasterKeyProvider master, ITenantKeyVault vault)
{
    public const string VaultPrefix = "vault:";

    /// <summary>Wraps a tenant key under the tenant's vault key (created when missing) and the active master key.</summary>
    public async Task<WrappedTenantKey> WrapAsync(Guid tenantId, int version, byte[] key, CancellationToken cancellationToken)
    {
        await vault.CreateAsync(tenantId, cancellationToken);
        var associatedData = TenantKeyRow.AssociatedData(tenantId, version);
        var inner = await vault.WrapAsync(tenantId, key, associatedData, cancellationToken);
        var active = master.ActiveVersion;
        return new WrappedTenantKey(VaultPrefix + Convert.ToBase64String(master.Wrap(active, inner, associatedData)), active);
    }

    /// <summary>Unwraps a stored tenant key. Throws <see cref="TenantKeyDestroyedException"/> for a destroyed key (an empty
    /// row, or a vault without the tenant's entry) and <see cref="CryptographicException"/> for one that does not open.</summary>
    public async Task<byte[]> UnwrapAsync(TenantKeyRow row, CancellationToken cancellationToken)
    {
        if (row.WrappedKey.Length == 0)
        {
            throw new TenantKeyDestroyedException(row.TenantId);
        }

        var associatedData = TenantKeyRow.AssociatedData(row.TenantId, row.Version);
        if (!row.WrappedKey.StartsWith(VaultPrefix, StringComparison.Ordinal))
        {
            return master.Unwrap(row.MasterKeyVersion, Convert.FromBase64String(row.WrappedKey), associatedData);
        }

        var inner = master.Unwrap(row.MasterKeyVersion, Convert.FromBase64String(row.WrappedKey[VaultPrefix.Length..]), associatedData);
        try
        {
            return await vault.UnwrapAsync(row.TenantId, inner, associatedData, cancellationToken);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(inner);
        }
    }

    /// <summary>Whether the row is in the current form: behind the vault and under the active master key.</summary>
    public bool IsCurrent(TenantKeyRow row) =>
        row.WrappedKey.StartsWith(VaultPrefix, StringComparison.Ordinal) && row.MasterKeyVersion == master.ActiveVersion;
}
