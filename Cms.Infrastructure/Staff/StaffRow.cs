using Cms.Domain.Common;
using Cms.Domain.Staff;

namespace Cms.Infrastructure.Staff;

internal sealed class StaffRow
{
    public Guid TenantId { get; init; }
    public Guid Id { get; init; }
    public string Subject { get; init; } = "";
    public string Email { get; init; } = "";
    public string DisplayName { get; init; } = "";
    public string Kind { get; init; } = "";
    public string Roles { get; init; } = "";
    public bool IsActive { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public long Version { get; init; }

    /// <summary>A queue the member works, when the row is read joined with staff_queues (<see cref="JoinedColumns"/>).</summary>
    public Guid? QueueId { get; init; }

    /// <summary>The tenant's status, when the row is read as the request's caller (StaffRepository.FindCallerAsync).</summary>
    public string? TenantStatus { get; init; }

    public const string Columns = "tenant_id, id, subject, email, display_name, kind, roles, is_active, created_at, version";

    /// <summary>The columns of staff_users (alias s) and one active membership's queue (alias q, null for none).</summary>
    public const string JoinedColumns =
        "s.tenant_id, s.id, s.subject, s.email, s.display_name, s.kind, s.roles, s.is_active, s.created_at, s.version, q.queue_id";

    public StaffMember ToDomain(IReadOnlySet<Guid>? queueIds = null) => StaffMember.Restore(Id, TenantId, Subject, Email, DisplayName,
        WireNames.Parse<StaffKind>(Kind), ParseRoles(Roles), IsActive, CreatedAt, Version, queueIds);

    public static string FormatRoles(IEnumerable<Role> roles) => string.Join(',', roles.Order().Select(r => r.ToWire()));

    private static HashSet<Role> ParseRoles(string roles) =>
        roles.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(WireNames.Parse<Role>).ToHashSet();
}
