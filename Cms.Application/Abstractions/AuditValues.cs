namespace Cms.Application.Abstractions;

/// <summary>
/// One changed field with its value before and after (issue 19 item 7), as text (ids, codes, instants in ISO 8601, JSON
/// for structured values). <paramref name="Personal"/> values are about a consumer: the audit store keeps them only
/// sealed under that consumer's key, so they die with it at erasure while the entry (and the chain over its ciphertext)
/// stays.
/// </summary>
public sealed record FieldChange(string Field, string? Old, string? New, bool Personal = false);

/// <summary>The values of an audit entry's changed fields, and the consumer whose key seals the personal ones.</summary>
public sealed record AuditValues(Guid? ConsumerId, IReadOnlyList<FieldChange> Changes)
{
    /// <summary>The changes of the fields present in both snapshots whose values differ (or every field named in
    /// <paramref name="fields"/> that either snapshot holds), in the order of <paramref name="fields"/>.</summary>
    public static AuditValues Between(Guid? consumerId, IReadOnlyList<string> fields,
        IReadOnlyDictionary<string, (string? Value, bool Personal)> before, IReadOnlyDictionary<string, (string? Value, bool Personal)> after)
    {
        var changes = new List<FieldChange>();
        foreach (var field in fields)
        {
            var hasOld = before.TryGetValue(field, out var old);
            var hasNew = after.TryGetValue(field, out var now);
            if ((hasOld || hasNew) && !string.Equals(old.Value, now.Value, StringComparison.Ordinal))
            {
                changes.Add(new FieldChange(field, old.Value, now.Value, old.Personal || now.Personal));
            }
        }

        return new AuditValues(consumerId, changes);
    }
}
