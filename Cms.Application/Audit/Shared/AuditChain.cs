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
/// One hash chain per tenant: entry n stores the hash of entry n-1 and its own hash, an HMAC-SHA-256 over the canonical
/// form of the entry (every field, its position n in the chain and the previous hash). Editing, deleting, inserting or
/// reordering entries breaks the chain at the first entry touched; forging a replacement needs the key, which the
/// database never holds.
/// </summary>
public sealed class AuditChain(AuditChainKey key)
{
    /// <summary>The previous hash of the first entry of a chain.</summary>
    public const string Genesis = "";

    /// <summary>PostgreSQL keeps microseconds: instants are truncated to them before they are stored and hashed.</summary>
    public static DateTimeOffset Normalise(DateTimeOffset instant) =>
        new(instant.UtcTicks - (instant.UtcTicks % 10), TimeSpan.Zero);

    public string Hash(AuditEntry entry, long sequence, string previousHash)
    {
        // A JSON array of every field: unambiguous (no separator can be forged into a field) and stable.
        var canonical = JsonSerializer.SerializeToUtf8Bytes(new object?[]
        {
            "cms-audit-v1",
            entry.TenantId.ToString("D"),
            sequence,
            entry.Id.ToString("D"),
            Normalise(entry.OccurredAt).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture),
            entry.ActorType.ToWire(),
            entry.ActorId,
            entry.Action,
            entry.EntityType,
            entry.EntityId.ToString("D"),
            entry.ChangedFields,
            entry.TraceId,
            previousHash,
        });
        return Convert.ToHexStringLower(HMACSHA256.HashData(key.Key, canonical));
    }

    public bool Verify(ChainedAuditEntry chained) =>
        CryptographicOperations.FixedTimeEquals(
            Encoding.ASCII.GetBytes(Hash(chained.Entry, chained.Sequence, chained.PreviousHash)),
            Encoding.ASCII.GetBytes(chained.Hash));
}

/// <summary>An audit entry as the chain stores it.</summary>
public sealed record ChainedAuditEntry(AuditEntry Entry, long Sequence, string PreviousHash, string Hash);

/// <summary>The end of a tenant's chain: the last sequence number handed out and that entry's hash.</summary>
public sealed record AuditChainHead(long LastSequence, string LastHash);
