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
    /// <summary>The names of a consumer's sealed fields, in the order they are sealed together (ADR 0024).</summary>
    public static readonly string[] ConsumerFields = ["external_ref", "full_name", "email", "phone", "address", "date_of_birth", "vulnerability"];

    /// <summary>A consumer's fields from consumers.sealed_fields, by the documented layout alone: "v2:" + base64(AES-256-GCM
    /// under the data key, associated data "cms|&lt;tenant&gt;|consumers|sealed_fields|&lt;consumer&gt;"), whose plaintext is
    /// the fields of <see cref="ConsumerFields"/> in order, each a 32-bit big-endian length (-1: absent) then its UTF-8.</summary>
    public static Dictionary<string, string?> OpenConsumerFields(byte[] dataKey, string stored, Guid tenantId, Guid consumerId)
    {
        Assert.That(stored, Does.StartWith("v2:"));
        var plain = Open(dataKey, Convert.FromBase64String(stored[3..]), $"cms|{tenantId:D}|consumers|sealed_fields|{consumerId:D}");
        var fields = new Dictionary<string, string?>();
        var at = 0;
        foreach (var name in ConsumerFields)
        {
            var length = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(plain.AsSpan(at));
            at += 4;
            fields[name] = length < 0 ? null : Encoding.UTF8.GetString(plain, at, length);
            at += Math.Max(length, 0);
        }

        Assert.That(at, Is.EqualTo(plain.Length), "nothing after the seven fields");
        return fields;
    }
}
