namespace Cms.Infrastructure.Crypto;

/// <summary>
/// Per-tenant key-encryption keys held outside the database (docs/adr/0021-tenant-keys-outside-the-database.md). Every
/// tenant key in tenant_keys is wrapped twice: by the tenant's key in this vault, then by the master key. A database
/// backup and the master keys open nothing without the vault's entry, so destroying the entry (offboarding) makes the
/// tenant's sealed data unreadable at once, in the live database and in every backup of it.
/// <para>
/// The operations are those of a key-management service, whose keys never leave it: create a key per tenant, wrap and
/// unwrap a small secret under it, destroy it. <see cref="FileTenantKeyVault"/> implements them on this machine's file
/// system; an AWS KMS (CreateKey / Encrypt / Decrypt / ScheduleKeyDeletion), Azure Key Vault (create key / wrapKey /
/// unwrapKey / delete and purge) or HashiCorp Vault transit (keys/&lt;tenant&gt; / encrypt / decrypt / delete with
/// deletion_allowed) implementation maps one tenant to one key and implements this interface.
/// </para>
/// </summary>
public interface ITenantKeyVault
{
    /// <summary>What holds the keys, for the platform audit chain and logs ("file", "aws-kms"…); never a key or a path.</summary>
    string Kind { get; }

    /// <summary>Creates the tenant's key unless it exists (idempotent; safe when several instances race). Throws
    /// <see cref="TenantKeyDestroyedException"/> when the tenant's key was destroyed: a destroyed tenant never gets a new one.</summary>
    Task CreateAsync(Guid tenantId, CancellationToken cancellationToken);

    /// <summary>Seals <paramref name="secret"/> (a tenant key) under the tenant's vault key, bound to <paramref name="associatedData"/>.</summary>
    Task<byte[]> WrapAsync(Guid tenantId, byte[] secret, byte[] associatedData, CancellationToken cancellationToken);

    /// <summary>Opens what <see cref="WrapAsync"/> sealed. Throws <see cref="TenantKeyDestroyedException"/> when the tenant
    /// has no key (destroyed, or never created) and <see cref="System.Security.Cryptography.CryptographicException"/> when
    /// the value does not authenticate.</summary>
    Task<byte[]> UnwrapAsync(Guid tenantId, byte[] wrapped, byte[] associatedData, CancellationToken cancellationToken);

    /// <summary>Destroys the tenant's key, durably, before returning (idempotent). From then on nothing wrapped under it opens.</summary>
    Task DestroyAsync(Guid tenantId, CancellationToken cancellationToken);

    /// <summary>Readiness: proves the vault could create a tenant's key now (the file vault writes, flushes and removes a
    /// probe file; a KMS would call its cheapest authenticated operation). Throws, with a reason that names no key or
    /// secret, when it cannot: otherwise the first sign would be a failed registration of a tenant's first consumer.</summary>
    Task ProbeAsync(CancellationToken cancellationToken);

    /// <summary>After a master-key rotation: re-seals entries the vault itself protects with the master key under the
    /// active version (the file vault); a KMS, whose keys do not depend on the master key, has nothing to do. Returns how
    /// many entries changed.</summary>
    Task<int> ResealUnderActiveMasterKeyAsync(CancellationToken cancellationToken);
}

/// <summary>The tenant's key in the tenant key vault is gone (offboarded) or was never created: its data does not open.</summary>
public sealed class TenantKeyDestroyedException(Guid tenantId)
    : System.Security.Cryptography.CryptographicException($"The tenant key vault holds no key for tenant {tenantId:D} (destroyed at offboarding, or never created).")
{
    public Guid TenantId { get; } = tenantId;
}

/// <summary>The tenant key vault's settings (<c>Cms:Crypto:TenantKeyVault</c>).</summary>
public sealed class TenantKeyVaultOptions
{
    public const string Section = "Cms:Crypto:TenantKeyVault";

    /// <summary>The file vault's directory (one file per tenant). Default on SQLite: next to the database file
    /// (<c>&lt;file&gt;.tenant-keys</c>); required on PostgreSQL, where every instance must see the same directory.</summary>
    public string? Directory { get; set; }

    /// <summary>How long an instance keeps an unwrapped tenant key in memory before unwrapping it again through the vault:
    /// the longest another instance can still open a tenant after its vault entry was destroyed.</summary>
    public TimeSpan KeyCacheLifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The default directory: next to a SQLite database file (<c>&lt;file&gt;.tenant-keys</c>); none for PostgreSQL or
    /// an in-memory SQLite database.</summary>
    public static string? DefaultDirectory(Persistence.DatabaseOptions database)
    {
        if (database.Provider != Persistence.DatabaseProvider.Sqlite)
        {
            return null;
        }

        var dataSource = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(database.ConnectionString).DataSource;
        return string.IsNullOrWhiteSpace(dataSource) || dataSource == ":memory:" ? null : Path.GetFullPath(dataSource) + ".tenant-keys";
    }
}
