using System.ComponentModel.DataAnnotations;
using Cms.Application.Common;
using Cms.Domain.Common;
using Cms.Domain.Staff;
using Mediator;

namespace Cms.Application.Staff.AddStaff;

/// <summary>A tenant admin adds a staff user or a service account.</summary>
public sealed record AddStaffCommand([Required] string? Subject, [Required] string? Email, [Required] string? DisplayName,
    [Required] IReadOnlyList<Role>? Roles, [Required] StaffKind? Kind)
    : ICommand<Result<StaffDto>>, IUseCaseMessage
{
    UseCase IUseCaseMessage.UseCase => UseCase.AddStaff;
}

public sealed class AddStaffValidator : IValidator<AddStaffCommand>
{
    public void Validate(AddStaffCommand request, ValidationErrors errors)
    {
        errors.Required("subject", request.Subject, Limits.Subject);
        errors.Email("email", request.Email, required: true);
        errors.Required("displayName", request.DisplayName, Limits.Name);
        errors.Defined("kind", request.Kind);
        StaffRolesRule.Check(request.Roles, errors);
    }
}
