using Cms.Application.Complaints;
using Cms.Application.Consumers;

namespace Cms.Application.Behaviours;

/// <summary>
/// Whom a stored answer is about (issue 19 item 6): the consumer whose key seals it (<paramref name="ConsumerId"/>, or the
/// consumer of <paramref name="ComplaintId"/> when the answer names only its complaint), and a reference to the resource
/// from which the answer is rebuilt once that key is destroyed (<c>consumer:{id}</c>, <c>complaint:{id}</c>,
/// <c>note:{complaint}:{id}</c>: ids only, nothing personal).
/// </summary>
public sealed record AnswerSubject(Guid? ConsumerId, Guid? ComplaintId, string Reference);

/// <summary>
/// The answers of keyed commands that hold a consumer's personal data (a consumer, a complaint, a note): which consumer
/// they are about, so the idempotency store seals them under that consumer's key, and, after the consumer's erasure,
/// the answer rebuilt from the resource as it is now (the erased shape: personal fields null), so a replay never
/// brings back what the erasure destroyed. Any other answer (a queue, a taxonomy version, a staff member) holds no
/// consumer's data and is kept as it is.
/// </summary>
public sealed class PersonalAnswers(IConsumerQueries consumers, IComplaintQueries complaints, TimeProvider clock)
{
    private const string ConsumerKind = "consumer";
    private const string ComplaintKind = "complaint";
    private const string NoteKind = "note";

    public static AnswerSubject? SubjectOf(object? answer) => answer switch
    {
        ConsumerDto consumer => new AnswerSubject(consumer.Id, null, $"{ConsumerKind}:{consumer.Id:D}"),
        ComplaintDto complaint => new AnswerSubject(complaint.ConsumerId, complaint.Id, $"{ComplaintKind}:{complaint.Id:D}"),
        NoteDto note => new AnswerSubject(null, note.ComplaintId, $"{NoteKind}:{note.ComplaintId:D}:{note.Id:D}"),
        _ => null,
    };

    /// <summary>The answer of <paramref name="reference"/> as a read of it gives it now; null when the resource is gone.</summary>
    public async Task<object?> RebuildAsync(string reference, CancellationToken cancellationToken)
    {
        var parts = reference.Split(':');
        return parts switch
        {
            [ConsumerKind, var id] when Guid.TryParse(id, out var consumerId) => await consumers.GetAsync(consumerId, cancellationToken),
            [ComplaintKind, var id] when Guid.TryParse(id, out var complaintId) =>
                await complaints.GetAsync(complaintId, clock.GetUtcNow(), cancellationToken),
            [NoteKind, var complaint, var id] when Guid.TryParse(complaint, out var complaintId) && Guid.TryParse(id, out var noteId) =>
                await complaints.GetNoteAsync(complaintId, noteId, cancellationToken),
            _ => null,
        };
    }
}
