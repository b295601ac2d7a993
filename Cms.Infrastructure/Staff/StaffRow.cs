using System.Data.Common;
using Cms.Domain.Common;
using Cms.Domain.Staff;
using Cms.Infrastructure.Persistence;

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
    public DateTimeOffset UpdatedAt { get; init; }
    public long Version { get; init; }

    /// <summary>A queue the member works, when the row is read joined with staff_queues (<see cref="JoinedColumns"/>).</summary>
    public Guid? QueueId { get; init; }

    /// <summary>The tenant's status, when the row is read as the request's caller (StaffRepository.FindCallerAsync).</summary>
    public string? TenantStatus { get; init; }

    /// <summary>The stamp of the tenant's reference data, when the row is read as the request's caller.</summary>
    public long ReferenceStamp { get; init; }

    public static readonly ColumnMap Map = new("staff_users", keys: ["tenant_id", "id"],
        setOnce: ["subject", "email", "display_name", "kind", "created_at"], mutable: ["roles", "is_active", "updated_at", "version"]);

    /// <summary>The columns of staff_users (alias s) and one active membership's queue (alias q, null for none).</summary>
    public static readonly string JoinedColumns = $"{Map.ColumnsOf("s")}, q.queue_id";

    /// <summary>The caller's row at the reader's position, its columns those of <see cref="JoinedColumns"/>, then the tenant's
    /// status and the reference stamp, in that order (StaffRepository.CallerSql), read on every request: typed getters, no
    /// per-row mapper (<see cref="RowValues"/>).</summary>
    public static StaffRow ReadCaller(DbDataReader r) => new()
    {
        TenantId = RowValues.Id(r, 0),
        Id = RowValues.Id(r, 1),
        Subject = r.GetString(2),
        Email = r.GetString(3),
        DisplayName = r.GetString(4),
        Kind = r.GetString(5),
        CreatedAt = RowValues.Instant(r, 6),
        Roles = r.GetString(7),
        IsActive = r.GetBoolean(8),
        UpdatedAt = RowValues.Instant(r, 9),
        Version = r.GetInt64(10),
        QueueId = RowValues.OptionalId(r, 11),
        TenantStatus = r.IsDBNull(12) ? null : r.GetString(12),
        ReferenceStamp = r.GetInt64(13),
    };

    /// <summary>Whether two reads of a caller found the same rows, column for column.</summary>
    public static bool SameRows(IReadOnlyList<StaffRow> a, IReadOnlyList<StaffRow> b) =>
        a.Count == b.Count && a.Zip(b).All(p => p.First.Values == p.Second.Values);

    private (Guid, Guid, string, string, string, string, DateTimeOffset, string, bool, DateTimeOffset, long, Guid?, string?, long) Values =>
        (TenantId, Id, Subject, Email, DisplayName, Kind, CreatedAt, Roles, IsActive, UpdatedAt, Version, QueueId, TenantStatus, ReferenceStamp);

    /// <summary>The parameters of <see cref="Map"/>'s INSERT and UPDATE: the member as it is, changed at <paramref name="updatedAt"/>.</summary>
    public static object Parameters(StaffMember staff, Guid tenantId, DateTimeOffset updatedAt) => new
    {
        TenantId = tenantId,
        staff.Id,
        staff.Subject,
        staff.Email,
        staff.DisplayName,
        Kind = staff.Kind.ToWire(),
        Roles = FormatRoles(staff.Roles),
        staff.IsActive,
        staff.CreatedAt,
        UpdatedAt = updatedAt,
        staff.Version,
    };

    public StaffMember ToDomain(IReadOnlySet<Guid>? queueIds = null) => StaffMember.Restore(Id, TenantId, Subject, Email, DisplayName,
        WireNames.Parse<StaffKind>(Kind), ParseRoles(Roles), IsActive, CreatedAt, Version, queueIds);

    public static string FormatRoles(IEnumerable<Role> roles) => string.Join(',', roles.Order().Select(r => r.ToWire()));

    private static HashSet<Role> ParseRoles(string roles) =>
        roles.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(WireNames.Parse<Role>).ToHashSet();
}
