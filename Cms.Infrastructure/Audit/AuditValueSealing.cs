using Cms.Application.Abstractions;
using Cms.Application.Audit;
using Cms.Infrastructure.Crypto;
using Cms.Infrastructure.Persistence;

namespace Cms.Infrastructure.Audit;

/// <summary>
/// The stored form of an audit entry's old and new values (issue 19 item 7): a JSON document naming the consumer and
/// listing the changes; a personal value is sealed under that consumer's key with associated data
/// <c>cms|{tenant}|audit_entries|changed_values/{index}/{old|new}|{entry id}</c>, so it cannot be moved to another entry or
/// position. The entry's HMAC covers this document as stored: destroying the key (erasure) leaves the chain valid and the
/// values unreadable. A personal value without a consumer to seal it under is stored as a tombstone, never in plaintext.
/// </summary>
internal sealed class AuditValueSealing(ConsumerTextKeys keys)
{
    private const string Table = "audit_entries";

    public async Task<string> SealAsync(Guid entryId, AuditValues values, CancellationToken cancellationToken)
    {
        var cipher = values.ConsumerId is { } consumerId ? await keys.ForConsumerAsync(consumerId, cancellationToken) : null;
        var changes = values.Changes.Select((change, index) => change.Personal
            ? new StoredChange(change.Field, Seal(cipher, entryId, index, "old", change.Old), Seal(cipher, entryId, index, "new", change.New), true)
            : new StoredChange(change.Field, change.Old, change.New, false));
        return StoredJson.Serialize(new StoredValues(values.ConsumerId, [.. changes]));
    }

    /// <summary>The changes as readers see them: personal values opened, or null once the consumer's key is destroyed.</summary>
    public async Task<IReadOnlyList<FieldChangeDto>?> OpenAsync(Guid entryId, string? stored, CancellationToken cancellationToken)
    {
        if (stored is null)
        {
            return null;
        }

        var values = StoredJson.Deserialize<StoredValues>(stored);
        var cipher = values.ConsumerId is { } consumerId ? await keys.ForConsumerAsync(consumerId, cancellationToken) : null;
        return [.. values.Changes.Select((change, index) => change.Personal
            ? new FieldChangeDto(change.Field, Open(cipher, entryId, index, "old", change.Old), Open(cipher, entryId, index, "new", change.New), true)
            : new FieldChangeDto(change.Field, change.Old, change.New, false))];
    }

    private static string? Seal(ConsumerTextCipher? cipher, Guid entryId, int index, string side, string? value) =>
        value is null ? null : cipher is null ? ConsumerTextCipher.Tombstone : cipher.Seal(Table, entryId, Column(index, side), value);

    private static string? Open(ConsumerTextCipher? cipher, Guid entryId, int index, string side, string? stored) =>
        cipher?.Open(Table, entryId, Column(index, side), stored) is { Length: > 0 } text ? text : null;

    private static string Column(int index, string side) => $"changed_values/{index}/{side}";

    private sealed record StoredValues(Guid? ConsumerId, IReadOnlyList<StoredChange> Changes);

    private sealed record StoredChange(string Field, string? Old, string? New, bool Personal);
}
