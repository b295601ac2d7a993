using Cms.Application.Abstractions;
using Cms.Domain.Audit;
using Cms.Domain.Complaints;
using Cms.Domain.Consumers;
using Cms.Domain.Queues;
using Cms.Domain.Regulation;
using Cms.Domain.Staff;
using Cms.Domain.Taxonomies;
using Cms.Domain.Tenants;

namespace Cms.Tests.Application.Fakes;

// Write-side fakes over the in-memory database. Like the Dapper repositories they read and write only rows of the
// tenant in scope (scope.Required throws when none is), refuse to write an entity of another tenant, honour the
// version guard of updates, and raise DuplicateKeyException where a unique key would.

internal static class Guard
{
    public static Guid SameTenant(TenantScope scope, Guid entityTenantId)
    {
        var tenantId = scope.Required;
        if (entityTenantId != tenantId)
        {
            throw new InvalidOperationException("An entity of another tenant cannot be written in this request.");
        }

        return tenantId;
    }

    public static DuplicateKeyException Duplicate(string key) =>
        new($"Duplicate key: {key}.", new InvalidOperationException("unique constraint"));
}

public sealed class FakeTenantRepository(InMemoryDatabase db) : ITenantRepository
{
    public Task AddAsync(Tenant tenant, CancellationToken cancellationToken)
    {
        if (!db.Tenants.TryAdd(tenant.Id, tenant))
        {
            throw Guard.Duplicate("tenants.id");
        }

        db.Writes.Add($"tenant.insert {tenant.Id}");
        return Task.CompletedTask;
    }

    public Task<Tenant?> GetAsync(Guid id, CancellationToken cancellationToken) =>
        Task.FromResult(db.Tenants.GetValueOrDefault(id));

    public Task<Cms.Domain.Regulation.RegulatoryProfile?> ProfileAsync(Guid id, CancellationToken cancellationToken) =>
        Task.FromResult(db.Tenants.GetValueOrDefault(id)?.Profile);

    public Task<bool> UpdateStatusAsync(Tenant tenant, TenantStatus expected, CancellationToken cancellationToken)
    {
        if (!db.Tenants.TryGetValue(tenant.Id, out var stored) || stored.Status != expected)
        {
            return Task.FromResult(false);
        }

        db.Tenants[tenant.Id] = tenant;
        db.Writes.Add($"tenant.status {tenant.Id}");
        return Task.FromResult(true);
    }

    public Task<TenantRegistration> GetRegistrationAsync(Guid id, bool forStatusChange, CancellationToken cancellationToken) =>
        Task.FromResult(new TenantRegistration(db.Tenants.GetValueOrDefault(id), db.Offboardings.ContainsKey(id)));
}

public sealed class FakeStaffRepository(InMemoryDatabase db, TenantScope scope) : IStaffRepository
{
    /// <summary>Runs just before an update is checked: lets a test play the concurrent writer that wins the race.</summary>
    public Action? BeforeUpdate { get; set; }

    public Task AddAsync(StaffMember staff, CancellationToken cancellationToken)
    {
        var tenantId = Guard.SameTenant(scope, staff.TenantId);
        if (db.Staff.Values.Any(s => s.TenantId == tenantId && s.Subject == staff.Subject) || db.Staff.ContainsKey(staff.Id))
        {
            throw Guard.Duplicate("staff_users (tenant_id, subject)");
        }

        db.Staff[staff.Id] = Stored.Copy(staff);
        db.Writes.Add($"staff.insert {staff.Id}");
        return Task.CompletedTask;
    }

    public Task<StaffMember?> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        var tenantId = scope.Required;
        return Task.FromResult(db.Staff.TryGetValue(id, out var s) && s.TenantId == tenantId ? Stored.Copy(s) : null);
    }

    public Task<StaffMember?> GetForUpdateAsync(Guid id, CancellationToken cancellationToken) => GetAsync(id, cancellationToken);

    public Task<StaffMember?> FindBySubjectAsync(string subject, CancellationToken cancellationToken)
    {
        var tenantId = scope.Required;
        var found = db.Staff.Values.FirstOrDefault(s => s.TenantId == tenantId && s.Subject == subject);
        return Task.FromResult(found is null ? null : Stored.Copy(found));
    }

    /// <summary>A world's tenant that was never stored counts as active (most handler tests build staff only).</summary>
    public async Task<StaffCaller?> FindCallerAsync(string subject, CancellationToken cancellationToken) =>
        await FindBySubjectAsync(subject, cancellationToken) is { } member
            ? new StaffCaller(member, db.Tenants.TryGetValue(member.TenantId, out var t) ? t.Status : TenantStatus.Active)
            : null;

    /// <summary>Nothing cached: every caller is read first, as on SQLite.</summary>
    public CachedCaller? FindCachedCaller(string subject) => null;

    public Task<bool> UpdateAsync(StaffMember staff, long expectedVersion, CancellationToken cancellationToken)
    {
        var tenantId = Guard.SameTenant(scope, staff.TenantId);
        BeforeUpdate?.Invoke();
        if (!db.Staff.TryGetValue(staff.Id, out var stored) || stored.TenantId != tenantId || stored.Version != expectedVersion)
        {
            return Task.FromResult(false);
        }

        // The membership is stored by ReplaceQueuesAsync alone (as the real repository does).
        db.Staff[staff.Id] = StaffMember.Restore(staff.Id, staff.TenantId, staff.Subject, staff.Email, staff.DisplayName, staff.Kind,
            staff.Roles.ToHashSet(), staff.IsActive, staff.CreatedAt, staff.Version, stored.QueueIds.ToHashSet());
        db.Writes.Add($"staff.update {staff.Id}");
        return Task.FromResult(true);
    }

    public Task ReplaceQueuesAsync(StaffMember staff, CancellationToken cancellationToken)
    {
        var tenantId = Guard.SameTenant(scope, staff.TenantId);
        var stored = db.Staff[staff.Id];
        if (stored.TenantId != tenantId || staff.QueueIds.Any(q => !db.Queues.TryGetValue(q, out var queue) || queue.TenantId != tenantId))
        {
            throw new InvalidOperationException("staff_queues: foreign key violation (a queue of another tenant, or none).");
        }

        db.Staff[staff.Id] = StaffMember.Restore(stored.Id, stored.TenantId, stored.Subject, stored.Email, stored.DisplayName, stored.Kind,
            stored.Roles.ToHashSet(), stored.IsActive, stored.CreatedAt, stored.Version, staff.QueueIds.ToHashSet());
        db.Writes.Add($"staff.queues {staff.Id}");
        return Task.CompletedTask;
    }
}

public sealed class FakeQueueRepository(InMemoryDatabase db, TenantScope scope) : IQueueRepository
{
    public Task AddAsync(Queue queue, CancellationToken cancellationToken)
    {
        var tenantId = Guard.SameTenant(scope, queue.TenantId);
        if (db.Queues.Values.Any(q => q.TenantId == tenantId && q.Code == queue.Code))
        {
            throw Guard.Duplicate("queues (tenant_id, code)");
        }

        db.Queues[queue.Id] = Stored.Copy(queue);
        db.Writes.Add($"queue.insert {queue.Id}");
        return Task.CompletedTask;
    }

    public Task<Queue?> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        var tenantId = scope.Required;
        return Task.FromResult(db.Queues.TryGetValue(id, out var q) && q.TenantId == tenantId ? Stored.Copy(q) : null);
    }

    public Task<Queue?> GetForUpdateAsync(Guid id, CancellationToken cancellationToken) => GetAsync(id, cancellationToken);

    public Func<CancellationToken, Task<Queue?>> FindByCodeWithNextLoad(string code) => cancellationToken => FindByCodeAsync(code, cancellationToken);

    public Task<Queue?> FindByCodeAsync(string code, CancellationToken cancellationToken)
    {
        var tenantId = scope.Required;
        var found = db.Queues.Values.FirstOrDefault(q => q.TenantId == tenantId && q.Code == code);
        return Task.FromResult(found is null ? null : Stored.Copy(found));
    }

    public Task<bool> UpdateAsync(Queue queue, long expectedVersion, CancellationToken cancellationToken)
    {
        var tenantId = Guard.SameTenant(scope, queue.TenantId);
        if (!db.Queues.TryGetValue(queue.Id, out var stored) || stored.TenantId != tenantId || stored.Version != expectedVersion)
        {
            return Task.FromResult(false);
        }

        db.Queues[queue.Id] = Stored.Copy(queue);
        db.Writes.Add($"queue.update {queue.Id}");
        return Task.FromResult(true);
    }
}

public sealed class FakeConsumerRepository(InMemoryDatabase db, TenantScope scope) : IConsumerRepository
{
    public Func<CancellationToken, Task<Consumer?>> GetOfComplaintWithComplaint(Guid complaintId) => cancellationToken =>
        db.Complaints.TryGetValue(complaintId, out var complaint) ? GetAsync(complaint.ConsumerId, cancellationToken) : Task.FromResult<Consumer?>(null);

    /// <summary>Runs just before an update is checked: lets a test play the concurrent writer that wins the race.</summary>
    public Action? BeforeUpdate { get; set; }

    public Task AddAsync(Consumer consumer, CancellationToken cancellationToken)
    {
        var tenantId = Guard.SameTenant(scope, consumer.TenantId);
        if (db.Consumers.Values.Any(c => c.TenantId == tenantId && c.ExternalRef == consumer.ExternalRef) || db.Consumers.ContainsKey(consumer.Id))
        {
            throw Guard.Duplicate("consumers (tenant_id, external_ref)");
        }

        db.Consumers[consumer.Id] = Stored.Copy(consumer);
        db.Writes.Add($"consumer.insert {consumer.Id}");
        return Task.CompletedTask;
    }

    public Task<Consumer?> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        var tenantId = scope.Required;
        return Task.FromResult(db.Consumers.TryGetValue(id, out var c) && c.TenantId == tenantId ? Stored.Copy(c) : null);
    }

    public Task<Consumer?> GetForUpdateAsync(Guid id, CancellationToken cancellationToken) => GetAsync(id, cancellationToken);

    /// <summary>The consumers read for an erasure (the locked read with the unsealed text along), in order.</summary>
    public List<Guid> ReadForErasure { get; } = [];

    public Task<Consumer?> GetForErasureAsync(Guid id, CancellationToken cancellationToken)
    {
        ReadForErasure.Add(id);
        return GetAsync(id, cancellationToken);
    }

    public Task<bool> ExistsAsync(Guid id, CancellationToken cancellationToken) =>
        Task.FromResult(db.Consumers.TryGetValue(id, out var c) && c.TenantId == scope.Required);

    public Task<bool> ExternalRefExistsAsync(string externalRef, CancellationToken cancellationToken)
    {
        var tenantId = scope.Required;
        return Task.FromResult(db.Consumers.Values.Any(c => c.TenantId == tenantId && c.ExternalRef == externalRef));
    }

    public Task<bool> UpdateAsync(Consumer consumer, long expectedVersion, CancellationToken cancellationToken)
    {
        var tenantId = Guard.SameTenant(scope, consumer.TenantId);
        BeforeUpdate?.Invoke();
        if (!db.Consumers.TryGetValue(consumer.Id, out var stored) || stored.TenantId != tenantId || stored.Version != expectedVersion)
        {
            return Task.FromResult(false);
        }

        db.Consumers[consumer.Id] = Stored.Copy(consumer);
        db.Writes.Add($"consumer.update {consumer.Id}");
        return Task.FromResult(true);
    }
}

public sealed class FakeAuditRepository(InMemoryDatabase db, TenantScope scope) : IAuditRepository
{
    public Task AppendAsync(AuditEntry entry, CancellationToken cancellationToken) => AppendAsync(entry, null, cancellationToken);

    public Task AppendAsync(AuditEntry entry, Cms.Application.Abstractions.AuditValues? values, CancellationToken cancellationToken)
    {
        Guard.SameTenant(scope, entry.TenantId);
        db.Audit.Add(entry);
        db.Writes.Add($"audit.insert {entry.Action}");
        return Task.CompletedTask;
    }
}

/// <summary>Published taxonomies by tenant, kind and version, as the taxonomies and taxonomy_entries tables hold them.</summary>
public sealed class FakeTaxonomyRepository(InMemoryDatabase db, TenantScope scope) : ITaxonomyRepository
{
    public Task<int> CurrentVersionAsync(TaxonomyKind kind, CancellationToken cancellationToken) =>
        Task.FromResult(db.Taxonomies.Where(t => t.TenantId == scope.Required && t.Kind == kind).Select(t => t.Version).DefaultIfEmpty(0).Max());

    public Task AddAsync(Taxonomy taxonomy, Guid? publishedBy, CancellationToken cancellationToken)
    {
        var tenantId = Guard.SameTenant(scope, taxonomy.TenantId);
        if (db.Taxonomies.Any(t => t.TenantId == tenantId && t.Kind == taxonomy.Kind && t.Version == taxonomy.Version))
        {
            throw Guard.Duplicate("taxonomies (tenant_id, kind, version)");
        }

        db.Taxonomies.Add(taxonomy);
        db.Writes.Add($"taxonomy.insert {taxonomy.Id}");
        return Task.CompletedTask;
    }

    public Task<TaxonomyLookup> LookupAsync(TaxonomyKind kind, string code, CancellationToken cancellationToken)
    {
        var current = db.Taxonomies.Where(t => t.TenantId == scope.Required && t.Kind == kind).MaxBy(t => t.Version);
        return Task.FromResult(current is null ? new TaxonomyLookup(null, false) : new TaxonomyLookup(current.Version, current.Contains(code)));
    }
}

public sealed class FakeTenantClockRepository(InMemoryDatabase db, TenantScope scope) : ITenantClockRepository
{
    public Task<TenantClock> GetClockAsync(DateOnly from, DateOnly to, CancellationToken cancellationToken)
    {
        var tenantId = scope.Required;
        var days = db.ClosureDays.Where(d => d.TenantId == tenantId && d.Active && d.Date >= from && d.Date <= to).Select(d => d.Date);
        return Task.FromResult(new TenantClock(new ClosureDays(days), db.ClockSettings.GetValueOrDefault(tenantId)?.InternalSla));
    }

    public Task<ClosureDay?> GetClosureDayAsync(DateOnly date, CancellationToken cancellationToken)
    {
        var tenantId = scope.Required;
        return Task.FromResult(db.ClosureDays.FirstOrDefault(d => d.TenantId == tenantId && d.Date == date));
    }

    public Task AddClosureDayAsync(ClosureDay day, CancellationToken cancellationToken)
    {
        Guard.SameTenant(scope, day.TenantId);
        if (db.ClosureDays.Any(d => d.TenantId == day.TenantId && d.Date == day.Date))
        {
            throw Guard.Duplicate($"closure day {day.Date}");
        }

        db.ClosureDays.Add(day);
        db.Writes.Add($"closure_day.insert {day.Id}");
        return Task.CompletedTask;
    }

    public Task UpdateClosureDayAsync(ClosureDay day, CancellationToken cancellationToken)
    {
        Guard.SameTenant(scope, day.TenantId);
        var i = db.ClosureDays.FindIndex(d => d.TenantId == day.TenantId && d.Id == day.Id);
        db.ClosureDays[i] = day;
        db.Writes.Add($"closure_day.update {day.Id}");
        return Task.CompletedTask;
    }

    public Task<ClockSettings> GetSettingsAsync(CancellationToken cancellationToken) =>
        Task.FromResult(db.ClockSettings.GetValueOrDefault(scope.Required) ?? ClockSettings.Default);

    public Task SaveSettingsAsync(ClockSettings settings, DateTimeOffset now, CancellationToken cancellationToken)
    {
        db.ClockSettings[scope.Required] = settings;
        db.Writes.Add($"clock_settings.upsert {scope.Required}");
        return Task.CompletedTask;
    }
}

public sealed class FakeEventOutbox(InMemoryDatabase db, TenantScope scope) : IEventOutbox
{
    public Task AppendAsync(Cms.Domain.Events.ChangeEvent change, CancellationToken cancellationToken)
    {
        Guard.SameTenant(scope, change.TenantId);
        var position = db.Events.Count(e => e.Event.TenantId == change.TenantId) + 1L;
        db.Events.Add((position, change));
        db.Writes.Add($"event.insert {change.Type}");
        return Task.CompletedTask;
    }
}
