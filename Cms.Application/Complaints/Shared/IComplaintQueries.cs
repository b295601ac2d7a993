using Cms.Application.Common;
using Cms.Domain.Complaints;
using Cms.Domain.Regulation;

namespace Cms.Application.Complaints;

/// <summary>The complaint list's filters; null means "any".</summary>
public sealed record ComplaintFilter(
    ComplaintStatus? Status = null,
    Guid? AssigneeId = null,
    string? Category = null,
    Guid? ConsumerId = null,
    DateTimeOffset? DueBefore = null,
    bool? Overdue = null,
    DateTimeOffset? ReceivedFrom = null,
    DateTimeOffset? ReceivedTo = null,
    Guid? QueueId = null,
    bool? Unassigned = null)
{
    /// <summary>The complaint reference, exact (e.g. CMP-2026-000123).</summary>
    public string? Reference { get; init; }

    public string? Product { get; init; }

    public Channel? Channel { get; init; }

    /// <summary>Whether vulnerability is involved.</summary>
    public bool? Vulnerable { get; init; }

    /// <summary>Keywords, every one of which a complaint's description or one of its notes holds (the blind index).</summary>
    public string? Keywords { get; init; }
}

public interface IComplaintQueries
{
    Task<ComplaintDto?> GetAsync(Guid id, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>The answer for a complaint this request has just written (<see cref="WrittenComplaint"/>), the same as
    /// <see cref="GetAsync"/> would read once it commits, without reading it back (read only when the answer holds more than
    /// the complaint: duplicates merged into it, or its consumer erased).</summary>
    Task<ComplaintDto> AsWrittenAsync(Domain.Complaints.Complaint complaint, Guid legalEntityId, DateTimeOffset now,
        CancellationToken cancellationToken);

    /// <summary><see cref="AsWrittenAsync(Domain.Complaints.Complaint, Guid, DateTimeOffset, CancellationToken)"/> for a
    /// complaint read in this request, its legal entity as read.</summary>
    Task<ComplaintDto> AsWrittenAsync(Domain.Complaints.Complaint complaint, DateTimeOffset now, CancellationToken cancellationToken);

    Task<bool> ExistsAsync(Guid id, CancellationToken cancellationToken);

    Task<Page<ComplaintSummaryDto>> ListAsync(ComplaintFilter filter, DateTimeOffset now, int limit, CursorKey? after,
        CancellationToken cancellationToken);

    Task<Page<NoteDto>> ListNotesAsync(Guid complaintId, int limit, CursorKey? after, CancellationToken cancellationToken);

    /// <summary>One note of a complaint (or of a duplicate merged into it); null when there is none.</summary>
    Task<NoteDto?> GetNoteAsync(Guid complaintId, Guid noteId, CancellationToken cancellationToken);

    /// <summary>Open complaints by their next regulatory deadline (or by one deadline kind), soonest first, keyset-paged
    /// on (due at, complaint id).</summary>
    Task<Page<DueComplaintDto>> ListDueAsync(DueFilter filter, DateTimeOffset now, int limit, CursorKey? after,
        CancellationToken cancellationToken);
}

/// <summary>
/// Filters of the due list: unmet deadlines due before <paramref name="DueBefore"/> (null: any), not before
/// <paramref name="DueFrom"/> (null: overdue ones included); optionally one assignee, one status (queue) and one
/// deadline kind (e.g. internal_sla; null: the complaint's next regulatory deadline); one queue; and
/// <paramref name="Unassigned"/> true for unassigned complaints only.
/// </summary>
public sealed record DueFilter(
    DateTimeOffset? DueFrom,
    DateTimeOffset? DueBefore,
    Guid? AssigneeId = null,
    ComplaintStatus? Status = null,
    DeadlineKind? Kind = null,
    Guid? QueueId = null,
    bool Unassigned = false);
