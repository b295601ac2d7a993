using Cms.Domain.Complaints;
using Cms.Domain.Letters;

namespace Cms.Application.Letters;

public sealed record LetterTemplateDto(Guid Id, LetterType Type, int Version, string Name, string? Subject, string BodyText, string? BodyHtml,
    bool RequiresApproval, IReadOnlyList<string> Attachments, IReadOnlyList<string> Placeholders, Guid? PublishedBy, DateTimeOffset PublishedAt)
{
    public static LetterTemplateDto Of(LetterTemplate t, IReadOnlySet<string> placeholders) => new(t.Id, t.Type, t.Version, t.Name, t.Subject,
        t.BodyText, t.BodyHtml, t.RequiresApproval, t.Attachments, [.. placeholders.Order(StringComparer.Ordinal)], t.PublishedBy, t.PublishedAt);
}

public sealed record RequiredElementDto(string Code, string Description, string SatisfiedBy);

/// <summary>The required elements of a letter type under the tenant's regulatory profile and the rule set that names them.</summary>
public sealed record LetterRequirementsDto(string Profile, LetterType Type, string Rules, int RulesVersion, IReadOnlyList<RequiredElementDto> Elements);

/// <summary>A letter as callers read it: its text opened with the consumer's key (null once the consumer is erased).</summary>
public sealed record LetterDto(Guid Id, Guid ComplaintId, LetterType Type, LetterStatus Status, Guid TemplateId, int TemplateVersion,
    string Rules, int RulesVersion, string? Subject, string? BodyText, string? BodyHtml, string ContentHash, bool RequiresApproval,
    Outcome? ProposedOutcome, Guid AuthorId, DateTimeOffset CreatedAt, Guid? ApprovedBy, DateTimeOffset? ApprovedAt, LetterChannel? Channel,
    DateTimeOffset? SentAt, long Version) : Common.IVersionedResource
{
    public static LetterDto Of(Letter letter, bool erased)
    {
        var s = letter.State;
        return new LetterDto(s.Id, s.ComplaintId, s.Type, s.Status, s.TemplateId, s.TemplateVersion, s.Rules, s.RulesVersion,
            erased ? null : s.Content.Subject, erased ? null : s.Content.BodyText, erased ? null : s.Content.BodyHtml, s.ContentHash,
            s.RequiresApproval, s.Resolution?.Outcome, s.AuthorId, s.CreatedAt, s.ApprovedBy, s.ApprovedAt, s.Channel, s.SentAt, s.Version);
    }
}
