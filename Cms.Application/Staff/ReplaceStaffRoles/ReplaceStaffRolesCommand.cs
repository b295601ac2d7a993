using Cms.Application.Abstractions;
using Cms.Application.Audit;
using Cms.Application.Common;
using Cms.Domain.Common;
using Cms.Domain.Staff;
using Mediator;

namespace Cms.Application.Staff.ReplaceStaffRoles;

/// <summary>Replaces a staff member's roles; takes effect on that member's next request.</summary>
public sealed record ReplaceStaffRolesCommand(Guid StaffId, IReadOnlyList<Role>? Roles, long? ExpectedVersion)
    : ICommand<Result<StaffDto>>, IUseCaseMessage
{
    UseCase IUseCaseMessage.UseCase => UseCase.ReplaceStaffRoles;
}

public sealed class ReplaceStaffRolesValidator : IValidator<ReplaceStaffRolesCommand>
{
    public void Validate(ReplaceStaffRolesCommand request, ValidationErrors errors)
    {
        errors.Id("id", request.StaffId);
        StaffRolesRule.Check(request.Roles, errors);
    }
}

internal sealed class ReplaceStaffRolesHandler(IStaffRepository staff, CallerContext caller, AuditTrail audit)
    : ICommandHandler<ReplaceStaffRolesCommand, Result<StaffDto>>
{
    public async ValueTask<Result<StaffDto>> Handle(ReplaceStaffRolesCommand command, CancellationToken cancellationToken)
    {
        var loaded = await StaffChange.LoadAsync(staff, command.StaffId, command.ExpectedVersion, cancellationToken);
        if (!loaded.IsSuccess)
        {
            return loaded.Error;
        }

        var member = loaded.Value;
        if (StaffChange.IsSelf(caller, member) && !command.Roles!.Contains(Role.TenantAdmin))
        {
            return Error.Conflict("staff.self_lockout", "A tenant admin cannot remove their own tenant_admin role; another admin must.");
        }

        var version = member.Version;
        var replaced = member.ReplaceRoles(command.Roles!);
        if (!replaced.IsSuccess)
        {
            return replaced.Error;
        }

        var saved = await StaffChange.SaveAsync(staff, member, version, cancellationToken);
        if (!saved.IsSuccess)
        {
            return saved.Error;
        }

        await audit.RecordAsync("staff.roles_replaced", AuditTrail.Staff, member.Id, member.Version, ["roles"], cancellationToken);
        return StaffDto.From(member);
    }
}
