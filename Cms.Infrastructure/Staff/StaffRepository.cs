using Cms.Application.Abstractions;
using Cms.Domain.Common;
using Cms.Domain.Staff;
using Cms.Domain.Tenants;
using Cms.Infrastructure.Persistence;

namespace Cms.Infrastructure.Staff;

/// <summary>
/// The tenant's staff. The caller is read from the database on every request (<see cref="FindCallerAsync"/>); a member
/// read by id (an assignee, a member an admin changes) is served from the service's cache under the tenant's reference
/// stamp, which every write of this repository renews in its transaction: a role change, a deactivation or a new member
/// takes effect on every instance from the next request, as for the caller (docs/adr/0011).
/// </summary>
internal sealed class StaffRepository(DbSession db, TenantScope scope, TimeProvider clock, ReferenceStamp referenceStamp, ReferenceCache cache,
    LockedRows locked, CallerCache callers, QuerySession queries)
    : IStaffRepository
{
    private const string Table = "staff_users";

    /// <summary>The insert travels with COMMIT (docs/adr/0011); a subject added concurrently fails there on its unique key
    /// (409), as it failed here before.</summary>
    public async Task AddAsync(StaffMember staff, CancellationToken cancellationToken)
    {
        await db.DeferAsync(StaffRow.Map.Insert, StaffRow.Parameters(staff, TenantGuard.Check(scope, staff.TenantId), staff.CreatedAt),
            cancellationToken);
        await referenceStamp.ChangedAsync(cancellationToken);
    }

    // The rows are cached (immutable), the member is built from them for each request (an aggregate is mutable).
    public async Task<StaffMember?> GetAsync(Guid id, CancellationToken cancellationToken) =>
        await cache.GetAsync(referenceStamp, $"staff:{id}", () => WithQueuesAsync("s.id = @Id", new { TenantId = scope.Required, Id = id, Active = true },
            cancellationToken)) is { Count: > 0 } rows
            ? ToMember(rows)
            : null;

    /// <summary>A member an admin changes: read from the database, not the cache, and locked (<see cref="LockedRows"/>), so
    /// the guarded update travels with COMMIT.</summary>
    public async Task<StaffMember?> GetForUpdateAsync(Guid id, CancellationToken cancellationToken)
    {
        var rows = await WithQueuesAsync($"s.id = @Id{locked.Clause("s")}", new { TenantId = scope.Required, Id = id, Active = true },
            cancellationToken);
        if (rows.Count == 0)
        {
            return null;
        }

        locked.Read(Table, id, rows[0].Version);
        return ToMember(rows);
    }

    public async Task<StaffMember?> FindBySubjectAsync(string subject, CancellationToken cancellationToken) =>
        await WithQueuesAsync("s.subject = @Subject", new { TenantId = scope.Required, Subject = subject, Active = true }, cancellationToken)
            is { Count: > 0 } rows
            ? ToMember(rows)
            : null;

    /// <summary>
    /// The caller's member row with the queues they work and their tenant's status, in the same one statement as
    /// <see cref="FindBySubjectAsync"/> (a scalar read of the registry row, no extra round trip): a suspension takes
    /// effect on every instance from the next request. The same statement reads the stamp of the tenant's reference data
    /// (<see cref="ReferenceStamp"/>), so checking the service's cache of it costs no round trip.
    /// </summary>
    public async Task<StaffCaller?> FindCallerAsync(string subject, CancellationToken cancellationToken) =>
        Found(subject, await db.ReadRowsAsync(CallerSql, CallerParameters(subject), StaffRow.ReadCaller, endsRead: false, cancellationToken));

    /// <summary>
    /// The caller as last read here, their statement queued to go first in the query's first round trip (docs/adr/0026):
    /// only on the primary's session before anything was sent, and never when the query reads a replica (the caller is
    /// always read on the primary). The cached rows serve the decision and the reference stamp until the check, which
    /// compares every column of what was read with them.
    /// </summary>
    public CachedCaller? FindCachedCaller(string subject)
    {
        var tenantId = scope.Required;
        if (!db.CanLead || queries.OnReplica || callers.Get(tenantId, subject) is not { } rows)
        {
            return null;
        }

        var read = db.ReadFirst(CallerSql, CallerParameters(subject), StaffRow.ReadCaller);
        referenceStamp.Read(tenantId, rows[0].ReferenceStamp);
        return new CachedCaller(ToCaller(rows), async cancellationToken =>
        {
            var current = await read(cancellationToken);
            var unchanged = StaffRow.SameRows(rows, current);
            return new CallerCheck(unchanged ? ToCaller(rows) : Found(subject, current), unchanged);
        });
    }

    /// <summary>
    /// The caller's member row with the queues they work and their tenant's status, in the same one statement as
    /// <see cref="FindBySubjectAsync"/> (a scalar read of the registry row, no extra round trip): a suspension takes
    /// effect on every instance from the next request. The same statement reads the stamp of the tenant's reference data
    /// (<see cref="ReferenceStamp"/>), so checking the service's cache of it costs no round trip. Its columns are read in
    /// their order by <see cref="StaffRow.ReadCaller"/>.
    /// </summary>
    private static readonly string CallerSql =
        $"""
        SELECT {StaffRow.JoinedColumns}, (SELECT t.status FROM tenants t WHERE t.id = s.tenant_id) AS tenant_status,
            {ReferenceStamp.ReadSql} AS reference_stamp
        FROM staff_users s LEFT JOIN staff_queues q ON q.tenant_id = s.tenant_id AND q.staff_id = s.id AND q.active = @Active
        WHERE s.tenant_id = @TenantId AND s.subject = @Subject
        """;

    private object CallerParameters(string subject) => new { TenantId = scope.Required, Subject = subject, Active = true };

    /// <summary>The caller as read now: kept for the next request (<see cref="FindCachedCaller"/>), its stamp the request's.</summary>
    private StaffCaller? Found(string subject, List<StaffRow> rows)
    {
        callers.Set(scope.Required, subject, rows);
        if (rows.Count == 0)
        {
            return null;
        }

        referenceStamp.Read(scope.Required, rows[0].ReferenceStamp);
        return ToCaller(rows);
    }

    private static StaffCaller ToCaller(IReadOnlyList<StaffRow> rows) =>
        new(ToMember(rows), WireNames.Parse<TenantStatus>(rows[0].TenantStatus ?? ""));

    private static StaffMember ToMember(IReadOnlyList<StaffRow> rows) =>
        rows[0].ToDomain(rows.Where(r => r.QueueId is not null).Select(r => r.QueueId!.Value).ToHashSet());

    /// <summary>
    /// The rows of a member with the queues they work, in
    /// ONE statement: the member's row joined with their active memberships, a row per queue (one row with no queue for
    /// a member of none). <paramref name="condition"/> is a constant of this class, never input.
    /// </summary>
    private async Task<IReadOnlyList<StaffRow>> WithQueuesAsync(string condition, object parameters, CancellationToken cancellationToken) =>
        await db.QueryAsync<StaffRow>(
            $"""
            SELECT {StaffRow.JoinedColumns}
            FROM staff_users s LEFT JOIN staff_queues q ON q.tenant_id = s.tenant_id AND q.staff_id = s.id AND q.active = @Active
            WHERE s.tenant_id = @TenantId AND {condition}
            """,
            parameters, cancellationToken);

    public async Task ReplaceQueuesAsync(StaffMember staff, CancellationToken cancellationToken)
    {
        var tenantId = TenantGuard.Check(scope, staff.TenantId);
        var now = clock.GetUtcNow();
        // Nobody reads these writes' counts: they travel with the next round trip (DbSession.DeferAsync).
        await db.DeferAsync(
            "UPDATE staff_queues SET active = @Inactive, updated_at = @Now WHERE tenant_id = @TenantId AND staff_id = @StaffId AND active = @Active",
            new { TenantId = tenantId, StaffId = staff.Id, Inactive = false, Active = true, Now = now }, cancellationToken);
        if (staff.QueueIds.Count > 0)
        {
            await db.DeferAsync(
                """
                INSERT INTO staff_queues (tenant_id, staff_id, queue_id, active, updated_at) VALUES (@TenantId, @StaffId, @QueueId, @Active, @Now)
                ON CONFLICT (tenant_id, staff_id, queue_id) DO UPDATE SET active = excluded.active, updated_at = excluded.updated_at
                """,
                staff.QueueIds.Select(q => new { TenantId = tenantId, StaffId = staff.Id, QueueId = q, Active = true, Now = now }).ToList(),
                cancellationToken);
        }

        await referenceStamp.ChangedAsync(cancellationToken);
    }

    public async Task<bool> UpdateAsync(StaffMember staff, long expectedVersion, CancellationToken cancellationToken)
    {
        var updated = await locked.UpdateAsync(Table, staff.Id, expectedVersion, staff.Version,
            $"UPDATE staff_users SET {StaffRow.Map.UpdateSet} WHERE {StaffRow.Map.KeyEquals} AND version = @ExpectedVersion",
            new DynamicParametersBuilder(StaffRow.Parameters(staff, TenantGuard.Check(scope, staff.TenantId), clock.GetUtcNow()))
                .With("ExpectedVersion", expectedVersion).Build(),
            cancellationToken);
        if (updated)
        {
            await referenceStamp.ChangedAsync(cancellationToken);
        }

        return updated;
    }
}
