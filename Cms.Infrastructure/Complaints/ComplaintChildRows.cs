using System.Globalization;
using System.Text;
using Cms.Application.Complaints;
using Cms.Domain.Common;
using Cms.Domain.Complaints;
using Cms.Domain.Regulation;
using Cms.Infrastructure.Crypto;
using Cms.Infrastructure.Persistence;
using Dapper;

namespace Cms.Infrastructure.Complaints;

internal sealed class DeadlineRow
{
    public Guid ComplaintId { get; init; }
    public string Kind { get; init; } = "";
    public DateTimeOffset DueAt { get; init; }
    public DateTimeOffset? MetAt { get; init; }
    public DateTimeOffset? PausedAt { get; init; }
    public long PausedMs { get; init; }

    /// <summary>The deadlines that apply (a withdrawn one stopped applying when a flag was cleared).</summary>
    public const string Columns = "complaint_id, kind, due_at, met_at, paused_at, paused_ms";

    public Deadline ToDomain() => new(WireNames.Parse<DeadlineKind>(Kind), DueAt, MetAt, PausedAt, TimeSpan.FromMilliseconds(PausedMs));

    /// <summary>Inserts the complaint's deadlines, or brings stored (possibly withdrawn) ones of those kinds up to date, in
    /// ONE multi-row statement: its text and its parameters (<c>@Kind0</c>, <c>@DueAt0</c>, … per deadline).</summary>
    public static (string Sql, DynamicParameters Parameters) UpsertAll(Complaint c)
    {
        var values = new StringBuilder();
        var p = new DynamicParameters();
        p.Add("TenantId", c.TenantId);
        p.Add("ComplaintId", c.Id);
        var i = 0;
        foreach (var d in c.Deadlines)
        {
            var n = i++.ToString(CultureInfo.InvariantCulture);
            values.Append(values.Length == 0 ? "" : ", ")
                .Append($"(@TenantId, @ComplaintId, @Kind{n}, @DueAt{n}, @MetAt{n}, @PausedAt{n}, @PausedMs{n}, NULL)");
            p.Add("Kind" + n, d.Kind.ToWire());
            p.Add("DueAt" + n, d.DueAt);
            p.Add("MetAt" + n, d.MetAt);
            p.Add("PausedAt" + n, d.PausedAt);
            p.Add("PausedMs" + n, (long)d.PausedFor.TotalMilliseconds);
        }

        return ($"""
            INSERT INTO complaint_deadlines (tenant_id, complaint_id, kind, due_at, met_at, paused_at, paused_ms, withdrawn_at)
            VALUES {values}
            ON CONFLICT (tenant_id, complaint_id, kind) DO UPDATE SET due_at = excluded.due_at, met_at = excluded.met_at,
                paused_at = excluded.paused_at, paused_ms = excluded.paused_ms, withdrawn_at = NULL
            """, p);
    }
}

internal sealed class ResponseRow
{
    public Guid Id { get; init; }
    public Guid ComplaintId { get; init; }
    public string Type { get; init; } = "";
    public DateTimeOffset SentAt { get; init; }
    public Guid? RecordedBy { get; init; }
    public DateTimeOffset RecordedAt { get; init; }

    public static readonly ColumnMap Map = new("complaint_responses", keys: ["tenant_id", "id"],
        setOnce: ["complaint_id", "type", "sent_at", "recorded_by", "recorded_at"], mutable: []);

    public ComplaintResponse ToDomain() => new(Id, ComplaintId, WireNames.Parse<ResponseType>(Type), SentAt, RecordedBy, RecordedAt);

    public static object Parameters(Guid tenantId, ComplaintResponse r) => new
    {
        TenantId = tenantId,
        r.Id,
        r.ComplaintId,
        Type = r.Type.ToWire(),
        r.SentAt,
        r.RecordedBy,
        r.RecordedAt,
    };
}

internal sealed class NoteRow
{
    public Guid Id { get; init; }
    public Guid ComplaintId { get; init; }
    public string Kind { get; init; } = "";
    public string Body { get; init; } = "";
    public Guid AuthorId { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public bool TextSealed { get; init; }

    public static readonly ColumnMap Map = new("complaint_notes", keys: ["tenant_id", "id"],
        setOnce: ["complaint_id", "kind", "body", "author_id", "created_at", "text_sealed"], mutable: []);

    /// <summary>The note as callers read it: the body opened with the consumer's key (null once erased).</summary>
    public NoteDto ToDto(ConsumerTextCipher cipher)
    {
        var body = TextSealed ? cipher.Open(FreeTextColumns.Notes, Id, FreeTextColumns.NoteBody, Body)
            : cipher.KeyDestroyed ? null : Body;
        return new NoteDto(Id, ComplaintId, WireNames.Parse<NoteKind>(Kind), cipher.KeyDestroyed ? null : body, AuthorId, CreatedAt);
    }
}
