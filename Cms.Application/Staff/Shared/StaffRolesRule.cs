using Cms.Application.Common;
using Cms.Domain.Common;
using Cms.Domain.Staff;

namespace Cms.Application.Staff;

internal static class StaffRolesRule
{
    public static void Check(IReadOnlyList<Role>? roles, ValidationErrors errors)
    {
        if (roles is null || roles.Count == 0)
        {
            errors.Add("roles", $"'roles' needs at least one of: {string.Join(", ", WireNames.All<Role>())}.");
        }
        else if (roles.Any(r => !Enum.IsDefined(r)))
        {
            errors.Add("roles", $"'roles' may contain only: {string.Join(", ", WireNames.All<Role>())}.");
        }
    }
}
