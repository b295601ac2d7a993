using Cms.Domain.Common;
using Cms.Domain.Letters;
using Cms.Infrastructure.Persistence;

namespace Cms.Infrastructure.LetterTemplates;

/// <summary>A letter_templates row: the one column map of the table. Template text holds no personal data (placeholders only).</summary>
internal sealed class LetterTemplateRow
{
    public Guid TenantId { get; init; }
    public string Type { get; init; } = "";
    public int Version { get; init; }
    public Guid Id { get; init; }
    public string Name { get; init; } = "";
    public string? Subject { get; init; }
    public string BodyText { get; init; } = "";
    public string? BodyHtml { get; init; }
    public bool RequiresApproval { get; init; }
    public string Attachments { get; init; } = "[]";
    public Guid? PublishedBy { get; init; }
    public DateTimeOffset PublishedAt { get; init; }

    /// <summary>The table's columns, written once; a version is never updated (a change publishes the next one).</summary>
    public static readonly ColumnMap Map = new("letter_templates", keys: ["tenant_id", "type", "version"],
        setOnce: ["id", "name", "subject", "body_text", "body_html", "requires_approval", "attachments", "published_by", "published_at"], mutable: []);

    public LetterTemplate ToDomain() => new(Id, TenantId, WireNames.Parse<LetterType>(Type), Version, Name, Subject, BodyText, BodyHtml,
        RequiresApproval, StoredJson.Deserialize<string[]>(Attachments), PublishedBy, PublishedAt);

    public static object Parameters(LetterTemplate t, Guid tenantId) => new
    {
        TenantId = tenantId,
        Type = t.Type.ToWire(),
        t.Version,
        t.Id,
        t.Name,
        t.Subject,
        t.BodyText,
        t.BodyHtml,
        t.RequiresApproval,
        Attachments = StoredJson.Serialize(t.Attachments),
        t.PublishedBy,
        t.PublishedAt,
    };
}
