using Cms.Application.Letters;
using Cms.Domain.Common;
using Cms.Domain.Complaints;
using Cms.Domain.Letters;
using Cms.Infrastructure.Crypto;
using Cms.Infrastructure.Persistence;

namespace Cms.Infrastructure.Letters;

/// <summary>
/// A letters row: the one column map of the table. The letter's text and the resolution it proposes are sealed under the
/// consumer's key (docs/adr/0013, "letters"), with the associated data binding tenant, table, column and letter id; the
/// rest (type, versions, hash, status, approver, channel, times) is plain, for the send log.
/// </summary>
internal sealed class LetterRow
{
    public const string Table = "letters";

    public Guid TenantId { get; init; }
    public Guid Id { get; init; }
    public Guid ComplaintId { get; init; }
    public string Type { get; init; } = "";
    public Guid TemplateId { get; init; }
    public int TemplateVersion { get; init; }
    public string Rules { get; init; } = "";
    public int RulesVersion { get; init; }
    public string Satisfied { get; init; } = "[]";
    public string Status { get; init; } = "";
    public string? Subject { get; init; }
    public string BodyText { get; init; } = "";
    public string? BodyHtml { get; init; }
    public string? Resolution { get; init; }
    public string ContentHash { get; init; } = "";
    public bool RequiresApproval { get; init; }
    public Guid AuthorId { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public Guid? ApprovedBy { get; init; }
    public DateTimeOffset? ApprovedAt { get; init; }
    public string? Channel { get; init; }
    public DateTimeOffset? SentAt { get; init; }
    public long Version { get; init; }

    /// <summary>The table's columns, written once: the text, hash and versions are set once (an approved letter is
    /// immutable, a correction is a new letter); only the status, approval and sending change.</summary>
    public static readonly ColumnMap Map = new(Table, keys: ["tenant_id", "id"],
        setOnce: ["complaint_id", "type", "template_id", "template_version", "rules", "rules_version", "satisfied", "subject", "body_text",
            "body_html", "resolution", "content_hash", "requires_approval", "author_id", "created_at"],
        mutable: ["status", "approved_by", "approved_at", "channel", "sent_at", "version"]);

    /// <summary>The letter opened with its consumer's key (the text empty once the consumer is erased).</summary>
    public Letter ToDomain(ConsumerTextCipher cipher) => Letter.Restore(new LetterState
    {
        Id = Id,
        TenantId = TenantId,
        ComplaintId = ComplaintId,
        Type = WireNames.Parse<LetterType>(Type),
        TemplateId = TemplateId,
        TemplateVersion = TemplateVersion,
        Rules = Rules,
        RulesVersion = RulesVersion,
        Satisfied = StoredJson.Deserialize<string[]>(Satisfied).ToHashSet(StringComparer.Ordinal),
        Status = WireNames.Parse<LetterStatus>(Status),
        Content = new LetterContent(Open(cipher, "subject", Subject), Open(cipher, "body_text", BodyText) ?? "", Open(cipher, "body_html", BodyHtml)),
        Resolution = StoredResolution.Parse(Open(cipher, "resolution", Resolution)),
        ContentHash = ContentHash,
        RequiresApproval = RequiresApproval,
        AuthorId = AuthorId,
        CreatedAt = CreatedAt,
        ApprovedBy = ApprovedBy,
        ApprovedAt = ApprovedAt,
        Channel = Channel is null ? null : WireNames.Parse<LetterChannel>(Channel),
        SentAt = SentAt,
        Version = Version,
    });

    public LetterDto ToDto(ConsumerTextCipher cipher) => LetterDto.Of(ToDomain(cipher), cipher.KeyDestroyed);

    private string? Open(ConsumerTextCipher cipher, string column, string? stored) => cipher.Open(Table, Id, column, stored);

    /// <summary>The parameters of the row: the text sealed with <paramref name="cipher"/>.</summary>
    public static object Parameters(Letter letter, ConsumerTextCipher cipher)
    {
        var s = letter.State;
        string? Seal(string column, string? value) => cipher.Seal(Table, s.Id, column, value);
        return new
        {
            s.TenantId,
            s.Id,
            s.ComplaintId,
            Type = s.Type.ToWire(),
            s.TemplateId,
            s.TemplateVersion,
            s.Rules,
            s.RulesVersion,
            Satisfied = StoredJson.Serialize(s.Satisfied.Order(StringComparer.Ordinal).ToArray()),
            Subject = Seal("subject", s.Content.Subject),
            BodyText = Seal("body_text", s.Content.BodyText),
            BodyHtml = Seal("body_html", s.Content.BodyHtml),
            Resolution = Seal("resolution", StoredResolution.Format(s.Resolution)),
            s.ContentHash,
            s.RequiresApproval,
            s.AuthorId,
            s.CreatedAt,
            Status = s.Status.ToWire(),
            s.ApprovedBy,
            s.ApprovedAt,
            Channel = s.Channel?.ToWire(),
            s.SentAt,
            s.Version,
        };
    }

    /// <summary>The resolution a final letter proposes, as sealed JSON.</summary>
    private static class StoredResolution
    {
        private sealed record Stored(string Outcome, long? AmountMinor, string? Currency, string? NonMonetary, string? RootCause, int? RootCauseVersion);

        public static string? Format(Resolution? r) => r is null ? null : StoredJson.Serialize(new Stored(r.Outcome.ToWire(),
            r.Redress.Monetary?.AmountMinor, r.Redress.Monetary?.Currency, r.Redress.NonMonetary, r.RootCause, r.RootCauseVersion));

        public static Resolution? Parse(string? json)
        {
            if (string.IsNullOrEmpty(json))
            {
                return null;
            }

            var s = StoredJson.Deserialize<Stored>(json);
            var money = s.AmountMinor is { } amount && s.Currency is { } currency ? new Money(amount, currency) : null;
            return new Resolution(WireNames.Parse<Outcome>(s.Outcome), new Redress(money, s.NonMonetary), s.RootCause, s.RootCauseVersion);
        }
    }
}
