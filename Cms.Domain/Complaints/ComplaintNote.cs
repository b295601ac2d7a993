using Cms.Domain.Common;

namespace Cms.Domain.Complaints;

/// <summary>A note on a complaint: internal, or a communication with the consumer. Both are kept; neither is edited.</summary>
public sealed record ComplaintNote(Guid Id, Guid TenantId, Guid ComplaintId, NoteKind Kind, string Body, Guid AuthorId, DateTimeOffset CreatedAt)
{
    public static Result<ComplaintNote> Create(Guid id, Complaint complaint, NoteKind kind, string body, Guid authorId, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(body) || body.Length > Limits.NoteBody)
        {
            return Error.Validation("body", $"The note body is required and at most {Limits.NoteBody} characters.");
        }

        return new ComplaintNote(id, complaint.TenantId, complaint.Id, kind, body, authorId, now);
    }
}
