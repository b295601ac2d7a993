using Cms.Application.Abstractions;
using Cms.Application.Audit;
using Cms.Application.Common;
using Cms.Domain.Common;
using Cms.Domain.Complaints;
using Mediator;

namespace Cms.Application.Complaints.AddNote;

/// <summary>Adds an internal note or a record of a communication with the consumer. Notes are never edited.</summary>
public sealed record AddNoteCommand(Guid ComplaintId, NoteKind? Kind, string? Body) : ICommand<Result<NoteDto>>, IUseCaseMessage, IComplaintScoped
{
    UseCase IUseCaseMessage.UseCase => UseCase.AddNote;
}

public sealed class AddNoteValidator : IValidator<AddNoteCommand>
{
    public void Validate(AddNoteCommand request, ValidationErrors errors)
    {
        errors.Id("id", request.ComplaintId);
        errors.Defined("kind", request.Kind);
        errors.Required("body", request.Body, Limits.NoteBody);
    }
}

internal sealed class AddNoteHandler(IComplaintRepository complaints, CallerContext caller, AuditTrail audit, TimeProvider clock)
    : ICommandHandler<AddNoteCommand, Result<NoteDto>>
{
    public async ValueTask<Result<NoteDto>> Handle(AddNoteCommand command, CancellationToken cancellationToken)
    {
        var complaint = await complaints.GetAsync(command.ComplaintId, cancellationToken);
        if (complaint is null)
        {
            return Error.NotFound("complaint");
        }

        var staff = caller.RequiredStaff;
        if (Permissions.CheckHandles(staff, complaint, "adds notes only to") is { } forbidden)
        {
            return forbidden;
        }

        var created = ComplaintNote.Create(Ids.New(), complaint, command.Kind!.Value, command.Body!, staff.Id, clock.GetUtcNow());
        if (!created.IsSuccess)
        {
            return created.Error;
        }

        var note = created.Value;
        await complaints.AddNoteAsync(note, cancellationToken);
        await audit.RecordAsync("complaint.note_added", AuditTrail.Complaint, complaint.Id, complaint.Version, ["notes"], cancellationToken);
        return new NoteDto(note.Id, note.ComplaintId, note.Kind, note.Body, note.AuthorId, note.CreatedAt);
    }
}
