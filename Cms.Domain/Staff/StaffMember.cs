using Cms.Domain.Common;

namespace Cms.Domain.Staff;

public enum Role
{
    TenantAdmin,
    Supervisor,
    Agent,
    Auditor,
    Integration,
}

public enum StaffKind
{
    User,
    ServiceAccount,
}

/// <summary>A staff user or a service account of one tenant, mapped to an identity-provider subject.</summary>
public sealed class StaffMember
{
    private StaffMember(Guid id, Guid tenantId, string subject, string email, string displayName, StaffKind kind,
        IReadOnlySet<Role> roles, bool isActive, DateTimeOffset createdAt, long version, IReadOnlySet<Guid>? queueIds = null)
    {
        Id = id;
        QueueIds = queueIds ?? new HashSet<Guid>();
        TenantId = tenantId;
        Subject = subject;
        Email = email;
        DisplayName = displayName;
        Kind = kind;
        Roles = roles;
        IsActive = isActive;
        CreatedAt = createdAt;
        Version = version;
    }

    public Guid Id { get; }
    public Guid TenantId { get; }
    public string Subject { get; }
    public string Email { get; }
    public string DisplayName { get; }
    public StaffKind Kind { get; }
    public IReadOnlySet<Role> Roles { get; private set; }

    /// <summary>The tenant's queues this member works: an agent handles the unassigned complaints in them.</summary>
    public IReadOnlySet<Guid> QueueIds { get; private set; }
    public bool IsActive { get; private set; }
    public DateTimeOffset CreatedAt { get; }
    public long Version { get; private set; }

    public bool HasAnyRole(IEnumerable<Role> roles) => IsActive && roles.Any(Roles.Contains);

    public static Result<StaffMember> Create(Guid id, Guid tenantId, string subject, string email, string displayName,
        StaffKind kind, IEnumerable<Role> roles, DateTimeOffset now)
    {
        var roleSet = roles.ToHashSet();
        var check = CheckRoles(kind, roleSet);
        if (!check.IsSuccess)
        {
            return check.Error;
        }

        return new StaffMember(id, tenantId, subject.Trim(), Text.NormaliseEmail(email), displayName.Trim(), kind, roleSet, true, now, 1);
    }

    public static StaffMember Restore(Guid id, Guid tenantId, string subject, string email, string displayName, StaffKind kind,
        IReadOnlySet<Role> roles, bool isActive, DateTimeOffset createdAt, long version, IReadOnlySet<Guid>? queueIds = null) =>
        new(id, tenantId, subject, email, displayName, kind, roles, isActive, createdAt, version, queueIds);

    /// <summary>
    /// Replaces the queues the member works (the caller has checked that they are active queues of the tenant). A service
    /// account handles no complaints, so it works no queue; a deactivated member's queues do not change.
    /// </summary>
    public Result ReplaceQueues(IEnumerable<Guid> queueIds)
    {
        if (!IsActive)
        {
            return Error.Conflict("staff.inactive", "The staff member is deactivated; queues of a deactivated member cannot change.");
        }

        if (Kind == StaffKind.ServiceAccount)
        {
            return Error.Conflict("staff.service_account_queues", "A service account handles no complaints, so it works no queue.");
        }

        QueueIds = queueIds.ToHashSet();
        Version++;
        return Result.Success();
    }

    public Result ReplaceRoles(IEnumerable<Role> roles)
    {
        if (!IsActive)
        {
            return Error.Conflict("staff.inactive", "The staff member is deactivated; roles of a deactivated member cannot change.");
        }

        var roleSet = roles.ToHashSet();
        var check = CheckRoles(Kind, roleSet);
        if (!check.IsSuccess)
        {
            return check;
        }

        Roles = roleSet;
        Version++;
        return Result.Success();
    }

    public Result Deactivate()
    {
        if (!IsActive)
        {
            return Error.Conflict("staff.inactive", "The staff member is already deactivated.");
        }

        IsActive = false;
        Version++;
        return Result.Success();
    }

    /// <summary>
    /// A service account is another microservice: it holds the integration role and nothing else;
    /// a person never holds the integration role.
    /// </summary>
    private static Result CheckRoles(StaffKind kind, IReadOnlySet<Role> roles)
    {
        if (roles.Count == 0)
        {
            return Error.Validation("roles", "At least one role is required.");
        }

        if (kind == StaffKind.ServiceAccount && (roles.Count != 1 || !roles.Contains(Role.Integration)))
        {
            return Error.Validation("roles", "A service account holds exactly the integration role.");
        }

        if (kind == StaffKind.User && roles.Contains(Role.Integration))
        {
            return Error.Validation("roles", "The integration role is for service accounts only.");
        }

        return Result.Success();
    }
}
