using System.Collections.Frozen;

namespace Cms.Infrastructure.Crypto;

/// <summary>
/// The master keys that wrap the per-tenant keys (envelope encryption, security.md 10). The configuration provider holds
/// them in memory; a KMS-backed implementation can replace it (wrap/unwrap would then happen in the KMS).
/// </summary>
public interface IMasterKeyProvider
{
    /// <summary>The version new tenant keys are wrapped with, and that rotation re-wraps to.</summary>
    string ActiveVersion { get; }

    /// <summary>Wraps a tenant key with the master key of <paramref name="version"/>.</summary>
    byte[] Wrap(string version, ReadOnlySpan<byte> tenantKey, ReadOnlySpan<byte> associatedData);

    /// <summary>Unwraps a tenant key; throws <see cref="System.Security.Cryptography.CryptographicException"/> when it fails.</summary>
    byte[] Unwrap(string version, ReadOnlySpan<byte> wrapped, ReadOnlySpan<byte> associatedData);
}

/// <summary>
/// Master keys from configuration: <c>Cms:Crypto:MasterKeys:&lt;version&gt;</c> (base64 of 32 bytes) and
/// <c>Cms:Crypto:ActiveMasterKeyVersion</c>. Older versions stay configured until rotation has re-wrapped every tenant key.
/// </summary>
public sealed class ConfiguredMasterKeyProvider : IMasterKeyProvider
{
    private readonly FrozenDictionary<string, byte[]> _keys;

    public ConfiguredMasterKeyProvider(IReadOnlyDictionary<string, byte[]> keys, string activeVersion)
    {
        if (keys.Count == 0)
        {
            throw new ArgumentException("At least one master key is required.", nameof(keys));
        }

        foreach (var (version, key) in keys)
        {
            if (key.Length != Aead.KeySize)
            {
                throw new ArgumentException($"Master key version {version} must be {Aead.KeySize} bytes.", nameof(keys));
            }
        }

        if (!keys.ContainsKey(activeVersion))
        {
            throw new ArgumentException($"The active master key version {activeVersion} is not configured.", nameof(activeVersion));
        }

        _keys = keys.ToFrozenDictionary(StringComparer.Ordinal);
        ActiveVersion = activeVersion;
    }

    public string ActiveVersion { get; }

    public byte[] Wrap(string version, ReadOnlySpan<byte> tenantKey, ReadOnlySpan<byte> associatedData) =>
        Aead.Seal(Key(version), tenantKey, associatedData);

    public byte[] Unwrap(string version, ReadOnlySpan<byte> wrapped, ReadOnlySpan<byte> associatedData) =>
        Aead.Open(Key(version), wrapped, associatedData);

    private byte[] Key(string version) => _keys.TryGetValue(version, out var key)
        ? key
        : throw new InvalidOperationException($"Master key version {version} is not configured.");

    /// <summary>The provider's string for logs and debuggers: versions only, never a key.</summary>
    public override string ToString() => $"ConfiguredMasterKeyProvider(active {ActiveVersion}, versions {string.Join(",", _keys.Keys)})";
}
