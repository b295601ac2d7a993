using Cms.Application.Common;
using Cms.Domain.Staff;

namespace Cms.Application.Staff;

public sealed record StaffDto(
    Guid Id,
    string Subject,
    string Email,
    string DisplayName,
    StaffKind Kind,
    IReadOnlyList<Role> Roles,
    bool IsActive,
    DateTimeOffset CreatedAt,
    long Version) : IVersionedResource
{
    public static StaffDto From(StaffMember s) =>
        new(s.Id, s.Subject, s.Email, s.DisplayName, s.Kind, [.. s.Roles.Order()], s.IsActive, s.CreatedAt, s.Version);
}
