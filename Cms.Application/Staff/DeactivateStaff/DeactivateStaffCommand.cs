using Cms.Application.Abstractions;
using Cms.Application.Audit;
using Cms.Application.Common;
using Cms.Domain.Common;
using Mediator;

namespace Cms.Application.Staff.DeactivateStaff;

/// <summary>Deactivates a staff member or service account: refused on its next request.</summary>
public sealed record DeactivateStaffCommand(Guid StaffId, long? ExpectedVersion) : ICommand<Result<StaffDto>>, IUseCaseMessage
{
    UseCase IUseCaseMessage.UseCase => UseCase.DeactivateStaff;
}

public sealed class DeactivateStaffValidator : IValidator<DeactivateStaffCommand>
{
    public void Validate(DeactivateStaffCommand request, ValidationErrors errors) => errors.Id("id", request.StaffId);
}

internal sealed class DeactivateStaffHandler(IStaffRepository staff, CallerContext caller, AuditTrail audit)
    : ICommandHandler<DeactivateStaffCommand, Result<StaffDto>>
{
    public async ValueTask<Result<StaffDto>> Handle(DeactivateStaffCommand command, CancellationToken cancellationToken)
    {
        var loaded = await StaffChange.LoadAsync(staff, command.StaffId, command.ExpectedVersion, cancellationToken);
        if (!loaded.IsSuccess)
        {
            return loaded.Error;
        }

        var member = loaded.Value;
        if (StaffChange.IsSelf(caller, member))
        {
            return Error.Conflict("staff.self_lockout", "A tenant admin cannot deactivate themselves; another admin must.");
        }

        var version = member.Version;
        var deactivated = member.Deactivate();
        if (!deactivated.IsSuccess)
        {
            return deactivated.Error;
        }

        var saved = await StaffChange.SaveAsync(staff, member, version, cancellationToken);
        if (!saved.IsSuccess)
        {
            return saved.Error;
        }

        await audit.RecordAsync("staff.deactivated", AuditTrail.Staff, member.Id, member.Version, ["isActive"], cancellationToken);
        return StaffDto.From(member);
    }
}
