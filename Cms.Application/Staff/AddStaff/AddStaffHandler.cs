using Cms.Application.Abstractions;
using Cms.Application.Audit;
using Cms.Domain.Common;
using Cms.Domain.Staff;
using Mediator;

namespace Cms.Application.Staff.AddStaff;

internal sealed class AddStaffHandler(IStaffRepository staff, TenantScope scope, AuditTrail audit, TimeProvider clock)
    : ICommandHandler<AddStaffCommand, Result<StaffDto>>
{
    public async ValueTask<Result<StaffDto>> Handle(AddStaffCommand command, CancellationToken cancellationToken)
    {
        var created = StaffMember.Create(Ids.New(), scope.Required, command.Subject!, command.Email!, command.DisplayName!,
            command.Kind!.Value, command.Roles!, clock.GetUtcNow());
        if (!created.IsSuccess)
        {
            return created.Error;
        }

        var member = created.Value;
        if (await staff.FindBySubjectAsync(member.Subject, cancellationToken) is not null)
        {
            return Error.Conflict("staff.duplicate_subject", "A staff member with this subject already exists in the tenant.");
        }

        await staff.AddAsync(member, cancellationToken);
        await audit.RecordAsync("staff.added", AuditTrail.Staff, member.Id, member.Version, ["subject", "email", "displayName", "kind", "roles"], cancellationToken);
        return StaffDto.From(member);
    }
}
