using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Cms.Application.Audit;

namespace Cms.Application.PlatformAudit;

/// <summary>One entry of the platform audit chain: a platform operator's action on a tenant (or the offboarding
/// worker's, acting for the operator who asked). <see cref="Details"/> is a small JSON object of ids, counts and flags,
/// never tenant data.</summary>
public sealed record PlatformAuditEntry(long Sequence, Guid Id, DateTimeOffset OccurredAt, string Actor, string Action, string EntityType,
    Guid EntityId, string Details, string? TraceId, string PreviousHash, string Hash);

/// <summary>
/// The platform's own hash chain (docs/adr/0018-tenant-offboarding.md): entry n holds the hash of entry n-1 and its own
/// hash, an HMAC (the audit chain key, never in the database) over its position, every field and the previous hash.
/// Platform actions are rare, so entries are chained as they are written (one writer at a time), unlike the tenant
/// chains that a sealer links after commit.
/// </summary>
public sealed class PlatformAuditChain(AuditChainKey key)
{
    public const string Genesis = "";

    public string Hash(PlatformAuditEntry entry)
    {
        var canonical = JsonSerializer.SerializeToUtf8Bytes(new object?[]
        {
            "cms-platform-audit-v1", entry.Sequence, entry.Id.ToString("D"),
            AuditChain.Normalise(entry.OccurredAt).ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture),
            entry.Actor, entry.Action, entry.EntityType, entry.EntityId.ToString("D"), entry.Details, entry.TraceId, entry.PreviousHash,
        });
        return Convert.ToHexStringLower(HMACSHA256.HashData(key.Key, canonical));
    }

    /// <summary>Whether <paramref name="entry"/> follows <paramref name="previous"/> (null: it is the first) and its hash is right.</summary>
    public bool Follows(PlatformAuditEntry entry, PlatformAuditEntry? previous) =>
        entry.Sequence == (previous?.Sequence ?? 0) + 1
        && entry.PreviousHash == (previous?.Hash ?? Genesis)
        && CryptographicOperations.FixedTimeEquals(
            System.Text.Encoding.ASCII.GetBytes(Hash(entry)), System.Text.Encoding.ASCII.GetBytes(entry.Hash));
}
