using Cms.Application.Abstractions;
using Cms.Domain.Common;
using Cms.Domain.Staff;

namespace Cms.Application.Staff;

/// <summary>Loads a staff member for a change by a tenant admin: not found, stale version and self-lockout checks in one place.</summary>
internal static class StaffChange
{
    public static async Task<Result<StaffMember>> LoadAsync(IStaffRepository staff, Guid id,
        long? expectedVersion, CancellationToken cancellationToken)
    {
        var member = await staff.GetForUpdateAsync(id, cancellationToken);
        if (member is null)
        {
            return Error.NotFound("staff");
        }

        if (expectedVersion is { } expected && expected != member.Version)
        {
            return Error.StaleVersion(expected, member.Version);
        }

        return member;
    }

    public static async Task<Result> SaveAsync(IStaffRepository staff, StaffMember member, long loadedVersion,
        CancellationToken cancellationToken) =>
        await staff.UpdateAsync(member, loadedVersion, cancellationToken)
            ? Result.Success()
            : Error.StaleVersion(loadedVersion, loadedVersion + 1);

    public static bool IsSelf(CallerContext caller, StaffMember member) => caller.Staff?.Id == member.Id;
}
