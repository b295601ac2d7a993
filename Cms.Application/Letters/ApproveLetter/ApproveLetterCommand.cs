using Cms.Application.Abstractions;
using Cms.Application.Audit;
using Cms.Application.Common;
using Cms.Domain.Common;
using Cms.Domain.Letters;
using Mediator;

namespace Cms.Application.Letters.ApproveLetter;

/// <summary>
/// Four-eyes approval of a draft letter (If-Match: the letter's version): by a supervisor (the permission matrix) who is
/// not its author (403), after its required content is checked again against the profile's current letter rules (422).
/// An approved letter is immutable and ready to send (<c>letter.ready</c>).
/// </summary>
public sealed record ApproveLetterCommand(Guid ComplaintId, Guid LetterId, long ExpectedVersion)
    : ICommand<Result<LetterDto>>, IUseCaseMessage, IComplaintScoped
{
    UseCase IUseCaseMessage.UseCase => UseCase.ApproveLetter;
}

public sealed class ApproveLetterValidator : IValidator<ApproveLetterCommand>
{
    public void Validate(ApproveLetterCommand request, ValidationErrors errors)
    {
        errors.Id("id", request.ComplaintId);
        errors.Id("letterId", request.LetterId);
        if (request.ExpectedVersion < 1)
        {
            errors.Add("If-Match", "'If-Match' must carry the ETag of the letter as last read.");
        }
    }
}

internal sealed class ApproveLetterHandler(IComplaintRepository complaints, ILetterRepository letters, CallerContext caller, AuditTrail audit,
    TimeProvider clock) : ICommandHandler<ApproveLetterCommand, Result<LetterDto>>
{
    public async ValueTask<Result<LetterDto>> Handle(ApproveLetterCommand command, CancellationToken cancellationToken)
    {
        // The letter travels with the complaint's load: one round trip (docs/adr/0011 part 7).
        var letterRead = letters.GetWithComplaint(command.ComplaintId, command.LetterId);
        var complaint = await complaints.GetAsync(command.ComplaintId, cancellationToken);
        var letter = complaint is null ? null : await letterRead(cancellationToken);
        if (complaint is null || letter is null)
        {
            return Error.NotFound("letter");
        }

        if (letter.State.Version != command.ExpectedVersion)
        {
            return Error.StaleVersion(command.ExpectedVersion, letter.State.Version);
        }

        var approved = letter.Approve(caller.RequiredStaff.Id, LetterRequirements.For(complaint.ProfileCode), clock.GetUtcNow());
        if (!approved.IsSuccess)
        {
            return approved.Error;
        }

        if (!await letters.UpdateAsync(letter, command.ExpectedVersion, cancellationToken))
        {
            return Error.StaleVersion(command.ExpectedVersion, command.ExpectedVersion + 1);
        }

        await audit.RecordAsync("letter.ready", AuditTrail.Letter, letter.Id, letter.State.Version, ["status", "approvedBy", "approvedAt"],
            cancellationToken);
        return LetterDto.Of(letter, erased: false);
    }
}
