using Cms.Domain.Common;

namespace Cms.Domain.Letters;

/// <summary>
/// One published version of a tenant's template for a letter type. Versions are immutable (as taxonomies): a change
/// publishes the next version, and a letter keeps the version it was rendered from. Whether the text reaches only the
/// placeholders is checked by the template engine before publishing (<c>ILetterEngine.Check</c>).
/// </summary>
public sealed record LetterTemplate(Guid Id, Guid TenantId, LetterType Type, int Version, string Name, string? Subject, string BodyText,
    string? BodyHtml, bool RequiresApproval, IReadOnlyList<string> Attachments, Guid? PublishedBy, DateTimeOffset PublishedAt)
{
    public const int MaxName = 200;
    public const int MaxSubject = 500;
    public const int MaxBody = 50_000;
    public const int MaxAttachments = 20;
    public const int MaxAttachmentName = 100;

    /// <summary>The next version after <paramref name="currentVersion"/> (0 when none exists), or what is wrong with the fields.</summary>
    public static Result<LetterTemplate> Publish(Guid id, Guid tenantId, LetterType type, int currentVersion, string name, string? subject,
        string bodyText, string? bodyHtml, bool? requiresApproval, IReadOnlyList<string> attachments, Guid? publishedBy, DateTimeOffset now)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(name) || name.Length > MaxName)
        {
            errors["name"] = [$"'name' is required and at most {MaxName} characters."];
        }

        if (subject is { Length: > MaxSubject })
        {
            errors["subject"] = [$"'subject' is at most {MaxSubject} characters."];
        }

        if (string.IsNullOrWhiteSpace(bodyText) || bodyText.Length > MaxBody)
        {
            errors["bodyText"] = [$"'bodyText' is required and at most {MaxBody} characters."];
        }

        if (bodyHtml is { Length: > MaxBody })
        {
            errors["bodyHtml"] = [$"'bodyHtml' is at most {MaxBody} characters."];
        }

        if (attachments.Count > MaxAttachments || attachments.Any(a => string.IsNullOrWhiteSpace(a) || a.Length > MaxAttachmentName))
        {
            errors["attachments"] = [$"At most {MaxAttachments} attachments, each named in 1 to {MaxAttachmentName} characters."];
        }

        if (type.AlwaysRequiresApproval() && requiresApproval == false)
        {
            errors["requiresApproval"] = ["A final response always needs four-eyes approval."];
        }

        if (errors.Count > 0)
        {
            return Error.Validation(errors);
        }

        return new LetterTemplate(id, tenantId, type, currentVersion + 1, name.Trim(), subject, bodyText, bodyHtml,
            type.AlwaysRequiresApproval() || requiresApproval == true, [.. attachments.Select(a => a.Trim()).Distinct(StringComparer.Ordinal)],
            publishedBy, now);
    }
}
