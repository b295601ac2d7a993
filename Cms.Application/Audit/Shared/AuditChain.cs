using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Cms.Domain.Audit;
using Cms.Domain.Common;

namespace Cms.Application.Audit;

/// <summary>The HMAC key of the audit chains: from configuration or a KMS, never from the database.</summary>
public sealed class AuditChainKey
{
    public AuditChainKey(byte[] key)
    {
        if (key.Length < 32)
        {
            throw new ArgumentException("The audit chain key must be at least 32 bytes.", nameof(key));
        }

        Key = key;
    }

    public byte[] Key { get; }
}

/// <summary>
/// One hash chain per tenant (security.md 8). Each entry is protected from the moment it commits by its own HMAC
/// (<see cref="EntryHmac"/>: every field, its tenant and id), written with it; shortly after commit the sealer links it
/// into the chain: link n stores the hash of link n-1 and its own, an HMAC over (n, the previous hash, the entry's HMAC).
/// Editing an entry (linked or not) breaks its own HMAC; deleting, inserting or reordering linked entries breaks the
/// chain at the first entry touched; forging a replacement needs the key, which the database never holds. Entries
/// chained before entry HMACs existed (an empty <c>entry_hmac</c>) keep their version-1 hash over the entry and its link.
/// </summary>
public sealed class AuditChain(AuditChainKey key)
{
    /// <summary>The previous hash of the first entry of a chain.</summary>
    public const string Genesis = "";

    /// <summary>PostgreSQL keeps microseconds: instants are truncated to them before they are stored and hashed.</summary>
    public static DateTimeOffset Normalise(DateTimeOffset instant) =>
        new(instant.UtcTicks - (instant.UtcTicks % 10), TimeSpan.Zero);

    /// <summary>The entry's own HMAC, computed when it is written (no chain position: that comes later).</summary>
    public string EntryHmac(AuditEntry entry) => Mac(Canonical("cms-audit-entry-v2", entry, null, null));

    /// <summary>The hash of link <paramref name="sequence"/>: its position, the previous link's hash and the entry's HMAC.</summary>
    public string LinkHash(Guid tenantId, long sequence, string previousHash, string entryHmac) =>
        Mac(JsonSerializer.SerializeToUtf8Bytes(new object?[] { "cms-audit-link-v2", tenantId.ToString("D"), sequence, previousHash, entryHmac }));

    /// <summary>The version-1 hash: the entry, its position and the previous hash in one HMAC (entries chained in the
    /// writer's transaction before the sealer existed).</summary>
    public string Hash(AuditEntry entry, long sequence, string previousHash) => Mac(Canonical("cms-audit-v1", entry, sequence, previousHash));

    /// <summary>Whether the entry's content still matches the HMAC it was written with (version 2; true for version 1,
    /// whose content is covered by its link hash).</summary>
    public bool VerifyEntry(AuditEntry entry, string entryHmac) =>
        entryHmac.Length == 0 || Same(EntryHmac(entry), entryHmac);

    /// <summary>Whether a linked entry's link hash is right (version 1: over the content too).</summary>
    public bool VerifyLink(ChainedAuditEntry chained) =>
        Same(chained.EntryHmac.Length == 0
            ? Hash(chained.Entry, chained.Sequence, chained.PreviousHash)
            : LinkHash(chained.Entry.TenantId, chained.Sequence, chained.PreviousHash, chained.EntryHmac), chained.Hash);

    private static bool Same(string expected, string actual) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(actual));

    private string Mac(byte[] canonical) => Convert.ToHexStringLower(HMACSHA256.HashData(key.Key, canonical));

    // A JSON array of every field: unambiguous (no separator can be forged into a field) and stable. Version 1 puts the
    // chain position second and the previous hash last; version 2 leaves both out (they are in the link hash).
    private static byte[] Canonical(string version, AuditEntry entry, long? sequence, string? previousHash)
    {
        var fields = new List<object?> { version, entry.TenantId.ToString("D") };
        if (sequence is { } n)
        {
            fields.Add(n);
        }

        fields.AddRange(
        [
            entry.Id.ToString("D"),
            Normalise(entry.OccurredAt).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture),
            entry.ActorType.ToWire(),
            entry.ActorId,
            entry.Action,
            entry.EntityType,
            entry.EntityId.ToString("D"),
            entry.ChangedFields,
            entry.TraceId,
        ]);
        if (entry.ChangedValues is not null)
        {
            // Only entries with values carry the field: the HMACs of entries written before are unchanged.
            fields.Add(entry.ChangedValues);
        }

        if (previousHash is not null)
        {
            fields.Add(previousHash);
        }

        return JsonSerializer.SerializeToUtf8Bytes(fields);
    }
}

/// <summary>An audit entry as the chain stores it: its own HMAC (empty for version 1) and, once linked, its link.</summary>
public sealed record ChainedAuditEntry(AuditEntry Entry, long Sequence, string PreviousHash, string Hash, string EntryHmac = "");

/// <summary>The end of a tenant's chain: the last sequence number handed out and that entry's hash.</summary>
public sealed record AuditChainHead(long LastSequence, string LastHash);
