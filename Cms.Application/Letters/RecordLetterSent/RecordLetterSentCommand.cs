using Cms.Application.Abstractions;
using Cms.Application.Audit;
using Cms.Application.Common;
using Cms.Application.Complaints;
using Cms.Domain.Common;
using Cms.Domain.Letters;
using Mediator;

namespace Cms.Application.Letters.RecordLetterSent;

/// <summary>
/// The tenant's delivery service reports a letter sent (<c>letter.sent</c>). A letter that needs approval is sent only
/// once approved (409). The complaint's clocks close on it at <paramref name="SentAt"/> through the same domain code as a
/// response recorded by hand (Complaint.RecordLetterSent): so recorded responses and letters are one concept.
/// </summary>
public sealed record RecordLetterSentCommand(Guid ComplaintId, Guid LetterId, LetterChannel? Channel, DateTimeOffset? SentAt)
    : ICommand<Result<LetterDto>>, IUseCaseMessage, IComplaintScoped
{
    UseCase IUseCaseMessage.UseCase => UseCase.RecordLetterSent;
}

public sealed class RecordLetterSentValidator : IValidator<RecordLetterSentCommand>
{
    public void Validate(RecordLetterSentCommand request, ValidationErrors errors)
    {
        errors.Id("id", request.ComplaintId);
        errors.Id("letterId", request.LetterId);
        errors.Defined("channel", request.Channel);
        if (request.SentAt is null)
        {
            errors.Add("sentAt", "'sentAt' is required: when the letter was sent.");
        }
    }
}

internal sealed class RecordLetterSentHandler(IComplaintRepository complaints, ILetterRepository letters, ITenantClockRepository clocks,
    CallerContext caller, AuditTrail audit, TimeProvider clock) : ICommandHandler<RecordLetterSentCommand, Result<LetterDto>>
{
    public async ValueTask<Result<LetterDto>> Handle(RecordLetterSentCommand command, CancellationToken cancellationToken)
    {
        // The letter travels with the complaint's load: one round trip (docs/adr/0011 part 7).
        var letterRead = letters.GetWithComplaint(command.ComplaintId, command.LetterId);
        var complaint = await complaints.GetForUpdateAsync(command.ComplaintId, cancellationToken);
        var letter = complaint is null ? null : await letterRead(cancellationToken);
        if (complaint is null || letter is null)
        {
            return Error.NotFound("letter");
        }

        var now = clock.GetUtcNow();
        var sentAt = command.SentAt!.Value.ToUniversalTime();
        var letterVersion = letter.State.Version;
        var sent = letter.MarkSent(command.Channel!.Value, sentAt, now);
        if (!sent.IsSuccess)
        {
            return sent.Error;
        }

        var complaintVersion = complaint.Version;
        var tenantClock = await TenantClocks.ForAsync(clocks, complaint.Profile, complaint.ReceivedAt, cancellationToken);
        var responded = complaint.RecordLetterSent(letter.State.Type, sentAt, letter.State.Resolution, caller.Staff?.Id, tenantClock, now);
        if (!responded.IsSuccess)
        {
            return responded.Error;
        }

        if (responded.Value)
        {
            if (!await complaints.UpdateAsync(complaint, complaintVersion, cancellationToken))
            {
                return Error.StaleVersion(complaintVersion, complaintVersion + 1);
            }

            await audit.RecordAsync(ComplaintAction(letter.State.Type), AuditTrail.Complaint, complaint.Id, complaint.Version,
                [.. complaint.PendingChanges], cancellationToken);
            complaint.ClearPendingChanges();
        }

        if (!await letters.UpdateAsync(letter, letterVersion, cancellationToken))
        {
            return Error.StaleVersion(letterVersion, letterVersion + 1);
        }

        await audit.RecordAsync("letter.sent", AuditTrail.Letter, letter.Id, letter.State.Version, ["status", "channel", "sentAt"], cancellationToken);
        return LetterDto.Of(letter, erased: false);
    }

    /// <summary>The complaint's event for the response the letter gave (the same as a response recorded by hand).</summary>
    private static string ComplaintAction(LetterType type) => type switch
    {
        LetterType.Acknowledgement => "complaint.acknowledged",
        LetterType.HoldingResponse or LetterType.AdrLetter => "complaint.response_recorded",
        _ => "complaint.resolved",
    };
}
