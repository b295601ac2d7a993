using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Cms.Tests.Support;

/// <summary>
/// Opens a stored tenant key from the documented layout alone (docs/security.md, docs/adr/0021), without the service's
/// code: what someone holding a copy of tenant_keys, the master key and the vault directory can do.
/// <list type="bullet">
/// <item>tenant_keys.wrapped_key = "vault:" + base64(AES-256-GCM(master key, inner)), inner = AES-256-GCM(vault key, tenant
/// key), both with associated data "cms|&lt;tenant&gt;|tenant_keys|&lt;version&gt;"; a row from before the vault is plain
/// base64(AES-256-GCM(master key, tenant key)).</item>
/// <item>vault key: the file &lt;vault&gt;/&lt;tenant, 32 hex&gt;.key, JSON {format: "cms-tenant-key/1", tenant, masterKeyVersion,
/// sealed: base64(AES-256-GCM(master key, vault key, "cms|&lt;tenant&gt;|tenant-key-vault"))}.</item>
/// </list>
/// Each AES-256-GCM value is nonce (12) | ciphertext | tag (16).
/// </summary>
public static class TenantKeyLayout
{
    /// <summary>The tenant key, or null when its vault entry is missing (destroyed). Throws when a layer does not authenticate.</summary>
    public static byte[]? Open(byte[] masterKey, string vaultDirectory, Guid tenantId, int version, string wrappedKey)
    {
        var associatedData = $"cms|{tenantId:D}|tenant_keys|{version}";
        if (!wrappedKey.StartsWith("vault:", StringComparison.Ordinal))
        {
            return Open(masterKey, Convert.FromBase64String(wrappedKey), associatedData);
        }

        var inner = Open(masterKey, Convert.FromBase64String(wrappedKey["vault:".Length..]), associatedData);
        var file = Path.Combine(vaultDirectory, $"{tenantId:N}.key");
        if (!File.Exists(file))
        {
            return null;
        }

        using var entry = JsonDocument.Parse(File.ReadAllBytes(file));
        Assert.That(entry.RootElement.GetProperty("format").GetString(), Is.EqualTo("cms-tenant-key/1"));
        Assert.That(entry.RootElement.GetProperty("tenant").GetGuid(), Is.EqualTo(tenantId));
        var vaultKey = Open(masterKey, Convert.FromBase64String(entry.RootElement.GetProperty("sealed").GetString()!), $"cms|{tenantId:D}|tenant-key-vault");
        return Open(vaultKey, inner, associatedData);
    }

    /// <summary>A row in the form written before the vault: the tenant key under the master key only.</summary>
    public static string LegacyWrap(byte[] masterKey, Guid tenantId, int version, byte[] tenantKey)
    {
        var nonce = RandomNumberGenerator.GetBytes(12);
        var sealedBytes = new byte[12 + tenantKey.Length + 16];
        nonce.CopyTo(sealedBytes, 0);
        using var aes = new AesGcm(masterKey, 16);
        aes.Encrypt(nonce, tenantKey, sealedBytes.AsSpan(12, tenantKey.Length), sealedBytes.AsSpan(12 + tenantKey.Length),
            Encoding.UTF8.GetBytes($"cms|{tenantId:D}|tenant_keys|{version}"));
        return Convert.ToBase64String(sealedBytes);
    }

    /// <summary>Opens an AES-256-GCM value: nonce (12) | ciphertext | tag (16).</summary>
    public static byte[] Open(byte[] key, byte[] sealedBytes, string associatedData)
    {
        var plaintext = new byte[sealedBytes.Length - 28];
        using var aes = new AesGcm(key, 16);
        aes.Decrypt(sealedBytes.AsSpan(0, 12), sealedBytes.AsSpan(12, plaintext.Length), sealedBytes.AsSpan(12 + plaintext.Length), plaintext,
            Encoding.UTF8.GetBytes(associatedData));
        return plaintext;
    }
}
