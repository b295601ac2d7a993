using Cms.Domain.Common;
using Cms.Domain.Letters;

namespace Cms.Domain.Complaints;

// Letters and the clocks: a letter sent records the response through the same code as a response recorded by hand.
public sealed partial class Complaint
{
    /// <summary>
    /// The response a letter of <paramref name="type"/> sent at <paramref name="sentAt"/> gives: an acknowledgement
    /// acknowledges (a received complaint), a holding response or an ADR letter is recorded as <see cref="RecordResponse"/>
    /// records one, and a final letter resolves an open complaint with the <paramref name="resolution"/> it carries (a
    /// complaint already resolved keeps its resolution). The clocks stop at the sent time, not when it is reported.
    /// Answers whether the complaint changed.
    /// </summary>
    public Result<bool> RecordLetterSent(LetterType type, DateTimeOffset sentAt, Resolution? resolution, Guid? recordedBy, TenantClock clock,
        DateTimeOffset now)
    {
        if (sentAt < ReceivedAt)
        {
            return Error.Validation("sentAt", "A letter cannot be sent before the complaint was received.");
        }

        Result applied;
        switch (type)
        {
            case LetterType.Acknowledgement when Status == ComplaintStatus.Received:
                applied = Acknowledge(sentAt, now);
                break;
            case LetterType.HoldingResponse:
                applied = RecordResponse(Ids.New(), Complaints.ResponseType.HoldingResponse, sentAt, recordedBy, clock, now);
                break;
            case LetterType.AdrLetter:
                applied = RecordResponse(Ids.New(), Complaints.ResponseType.AdrLetter, sentAt, recordedBy, clock, now);
                break;
            case var final when final.IsFinal() && IsOpen:
                if (resolution is null)
                {
                    return Error.Conflict("letter.no_resolution", "The final letter carries no outcome: render a new one with the resolution.");
                }

                applied = Resolve(resolution, sentAt, now);
                break;
            default:
                // Nothing left for this letter to do to the clocks (already acknowledged, already resolved).
                return false;
        }

        return applied.IsSuccess ? true : applied.Error;
    }
}
