using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace Cms.Infrastructure.Crypto;

/// <summary>An unwrapped tenant key and the blind-index key derived from it. Never logged.</summary>
internal sealed class TenantKeyMaterial(int version, byte[] key)
{
    private const string BlindIndexPurpose = "cms/consumers/blind-index/v1";
    private const string KeywordIndexPurpose = "cms/complaints/keyword-index/v1";

    public int Version { get; } = version;

    public byte[] Key { get; } = key;

    /// <summary>HKDF-SHA-256 of the tenant key with its own purpose label: never the encryption key itself.</summary>
    public byte[] BlindIndexKey { get; } = HKDF.DeriveKey(HashAlgorithmName.SHA256, key, 32, [], Encoding.UTF8.GetBytes(BlindIndexPurpose));

    /// <summary>The key of the blind keyword index of complaints' free text (its own purpose label).</summary>
    public byte[] KeywordIndexKey { get; } = HKDF.DeriveKey(HashAlgorithmName.SHA256, key, 32, [], Encoding.UTF8.GetBytes(KeywordIndexPurpose));

    public override string ToString() => $"TenantKeyMaterial(version {Version})";
}

/// <summary>
/// Unwrapped tenant keys, per process, bounded (when full it starts afresh: a miss costs one read and one unwrap) and
/// each kept at most <see cref="TenantKeyVaultOptions.KeyCacheLifetime"/>: past it the key is unwrapped again, through the
/// tenant key vault, so a tenant whose vault entry another instance destroyed (offboarding) opens nowhere once that
/// lifetime has passed, on every instance. Keyed by tenant and tenant-key version; re-wrapping does not change a key.
/// </summary>
public sealed class TenantKeyCache(TenantKeyVaultOptions options)
{
    public const int Capacity = 10_000;

    private readonly ConcurrentDictionary<(Guid Tenant, int Version), (TenantKeyMaterial Material, long Until)> _keys = new();
    private readonly ConcurrentDictionary<Guid, int> _current = new();
    private readonly long _lifetimeMs = (long)options.KeyCacheLifetime.TotalMilliseconds;

    internal bool TryGetCurrent(Guid tenantId, out TenantKeyMaterial material)
    {
        material = null!;
        return _current.TryGetValue(tenantId, out var version) && TryGet(tenantId, version, out material);
    }

    internal bool TryGet(Guid tenantId, int version, out TenantKeyMaterial material)
    {
        material = null!;
        if (!_keys.TryGetValue((tenantId, version), out var entry))
        {
            return false;
        }

        if (Environment.TickCount64 >= entry.Until)
        {
            _keys.TryRemove(KeyValuePair.Create((tenantId, version), entry));
            return false;
        }

        material = entry.Material;
        return true;
    }

    internal void Put(Guid tenantId, TenantKeyMaterial material, bool current)
    {
        if (_keys.Count >= Capacity)
        {
            _keys.Clear();
            _current.Clear();
        }

        _keys[(tenantId, material.Version)] = (material, Environment.TickCount64 + _lifetimeMs);
        if (current)
        {
            _current[tenantId] = material.Version;
        }
    }

    /// <summary>Forgets a tenant's cached keys (its keys were destroyed: offboarding).</summary>
    public void Forget(Guid tenantId)
    {
        _current.TryRemove(tenantId, out _);
        foreach (var cached in _keys.Keys.Where(k => k.Tenant == tenantId))
        {
            _keys.TryRemove(cached, out _);
        }
    }

    /// <summary>Forgets every cached key (tests; after a suspected compromise).</summary>
    public void Clear()
    {
        _keys.Clear();
        _current.Clear();
    }
}
