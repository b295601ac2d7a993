using Cms.Domain.Audit;
using Cms.Domain.Complaints;
using Cms.Domain.Consumers;
using Cms.Domain.Queues;
using Cms.Domain.Regulation;
using Cms.Domain.Staff;
using Cms.Domain.Taxonomies;
using Cms.Domain.Tenants;

namespace Cms.Application.Abstractions;

// Write-side ports: one repository per aggregate, all working inside the request's unit of work and
// always within the tenant in scope (TenantScope). Update methods return false when the stored version is not
// the expected one (optimistic concurrency): the caller lost a race and must not overwrite.

public interface ITenantRepository
{
    Task AddAsync(Tenant tenant, CancellationToken cancellationToken);

    Task<Tenant?> GetAsync(Guid id, CancellationToken cancellationToken);

    /// <summary>The regulatory profile of the tenant (from its sector and jurisdiction, which never change); null when no
    /// such tenant exists.</summary>
    Task<RegulatoryProfile?> ProfileAsync(Guid id, CancellationToken cancellationToken);

    /// <summary>Stores the tenant's new status if it still has <paramref name="expected"/>; false when another change won.</summary>
    Task<bool> UpdateStatusAsync(Tenant tenant, TenantStatus expected, CancellationToken cancellationToken);

    /// <summary>
    /// What a platform operator's action on a tenant checks first, in one round trip: the registry row (null once deleted)
    /// and whether its offboarding has begun. With <paramref name="forStatusChange"/> the row is read for
    /// <see cref="UpdateStatusAsync"/> (on PostgreSQL locked until the transaction ends, so the status read is the status
    /// the update finds).
    /// </summary>
    Task<TenantRegistration> GetRegistrationAsync(Guid id, bool forStatusChange, CancellationToken cancellationToken);
}

/// <summary>A tenant's registry row (null once deleted) and whether its offboarding has begun.</summary>
public sealed record TenantRegistration(Tenant? Tenant, bool OffboardingBegun);

/// <summary>The request's caller as the authorization behaviour reads it: the member and their tenant's status.</summary>
public sealed record StaffCaller(StaffMember Member, TenantStatus TenantStatus);

/// <summary>
/// The caller as this service last read them, for a query decided on it while the caller's row is read again in front of
/// the query's own first statement, in the same transaction and round trip (docs/adr/0026). <see cref="ConfirmAsync"/>
/// gives that row: the answer stands only if it is unchanged; else the request is decided again on what was read.
/// </summary>
public sealed record CachedCaller(StaffCaller Caller, Func<CancellationToken, Task<CallerCheck>> ConfirmAsync);

/// <summary>The caller as read in the request's transaction (null: no such member), and whether it is the cached one.</summary>
public sealed record CallerCheck(StaffCaller? Current, bool Unchanged);

public interface IStaffRepository
{
    Task AddAsync(StaffMember staff, CancellationToken cancellationToken);

    Task<StaffMember?> GetAsync(Guid id, CancellationToken cancellationToken);

    /// <summary>A member for a change by an admin: read from the database (not the service's cache) and, on PostgreSQL,
    /// locked until the transaction ends, so the version read is the version <see cref="UpdateAsync"/> finds.</summary>
    Task<StaffMember?> GetForUpdateAsync(Guid id, CancellationToken cancellationToken);

    Task<StaffMember?> FindBySubjectAsync(string subject, CancellationToken cancellationToken);

    /// <summary>The member with <paramref name="subject"/> and their tenant's status, read in one statement on every request.</summary>
    Task<StaffCaller?> FindCallerAsync(string subject, CancellationToken cancellationToken);

    /// <summary>For a query: the caller as last read by this service, their row queued to be read again ahead of the
    /// query's first statement (<see cref="CachedCaller"/>); null when none is cached or the row cannot travel so (SQLite,
    /// a read replica): then <see cref="FindCallerAsync"/>.</summary>
    CachedCaller? FindCachedCaller(string subject);

    Task<bool> UpdateAsync(StaffMember staff, long expectedVersion, CancellationToken cancellationToken);

    /// <summary>Stores <see cref="StaffMember.QueueIds"/> as the member's whole queue membership (ended memberships are
    /// marked inactive, never deleted). <see cref="GetAsync"/> and <see cref="FindBySubjectAsync"/> load it.</summary>
    Task ReplaceQueuesAsync(StaffMember staff, CancellationToken cancellationToken);
}

/// <summary>The tenant's queues. A code is unique per tenant; a concurrent create of the same code loses on the key (409).</summary>
public interface IQueueRepository
{
    Task AddAsync(Queue queue, CancellationToken cancellationToken);

    Task<Queue?> GetAsync(Guid id, CancellationToken cancellationToken);

    /// <summary>The queue for a command that updates it: on PostgreSQL locked until the transaction ends, so the version
    /// read is the version <see cref="UpdateAsync"/> finds.</summary>
    Task<Queue?> GetForUpdateAsync(Guid id, CancellationToken cancellationToken);

    Task<Queue?> FindByCodeAsync(string code, CancellationToken cancellationToken);

    /// <summary>As <see cref="FindByCodeAsync"/>, read (when the service does not hold it already) in the same round trip
    /// as the request's next load of several rows, queued now: the function, called after that load, gives the queue.</summary>
    Func<CancellationToken, Task<Queue?>> FindByCodeWithNextLoad(string code);

    Task<bool> UpdateAsync(Queue queue, long expectedVersion, CancellationToken cancellationToken);
}

public interface IConsumerRepository
{
    Task AddAsync(Consumer consumer, CancellationToken cancellationToken);

    Task<Consumer?> GetAsync(Guid id, CancellationToken cancellationToken);

    /// <summary>The consumer a complaint is of (as <see cref="GetAsync"/>), read in the same round trip as the request's next
    /// complaint load, queued now: the function, called after that load, gives the consumer (null: no such complaint).</summary>
    Func<CancellationToken, Task<Consumer?>> GetOfComplaintWithComplaint(Guid complaintId);

    /// <summary>The consumer for a command that updates it: on PostgreSQL the row stays locked until the transaction ends,
    /// so the version read is the version <see cref="UpdateAsync"/> finds (docs/adr/0011).</summary>
    Task<Consumer?> GetForUpdateAsync(Guid id, CancellationToken cancellationToken);

    /// <summary>As <see cref="GetForUpdateAsync"/>, for an erasure: the text still unsealed that the erasure rewrites is read
    /// (and locked) in the same round trip, not after the update (docs/adr/0011 part 8).</summary>
    Task<Consumer?> GetForErasureAsync(Guid id, CancellationToken cancellationToken) => GetForUpdateAsync(id, cancellationToken);

    /// <summary>Whether the tenant has this consumer (erased ones included); nothing is decrypted.</summary>
    Task<bool> ExistsAsync(Guid id, CancellationToken cancellationToken);

    Task<bool> ExternalRefExistsAsync(string externalRef, CancellationToken cancellationToken);

    Task<bool> UpdateAsync(Consumer consumer, long expectedVersion, CancellationToken cancellationToken);
}

/// <summary>
/// Adds many new consumers of the tenant in scope at once (the bulk import), sealed exactly as
/// <see cref="IConsumerRepository.AddAsync"/> seals one. A consumer whose external reference already exists in the tenant
/// (stored earlier, or earlier in the same call) is skipped, never overwritten.
/// </summary>
public interface IConsumerBulkWriter
{
    /// <summary>Writes <paramref name="consumers"/> in the current transaction; returns the positions (indexes into the
    /// list) of those skipped as duplicates of an external reference, in ascending order. <paramref name="beforeInsert"/>,
    /// if any, is awaited after the rows are sealed and staged and before the first row reaches the consumers table (an
    /// import's batch waits there for the previous batch's commit), and before the tenant's key is created when the tenant
    /// has none yet (the previous batch may be creating it). It may be awaited more than once. With
    /// <paramref name="insertBeside"/> the caller has made sure that no row can meet one of the previous batch's on the
    /// external reference: the rows are then inserted without waiting, <paramref name="beforeInsert"/> is awaited only
    /// before a tenant key is created, and the caller awaits it before anything else it writes and before the commit.</summary>
    Task<IReadOnlyList<int>> AddManyAsync(IReadOnlyList<Consumer> consumers, Func<CancellationToken, Task>? beforeInsert, bool insertBeside,
        CancellationToken cancellationToken);

    /// <summary>Creates the tenant's key in the current transaction when it has none yet: the import's first, empty batch
    /// (its admission), so that the batches after it need not wait for one another to create it.</summary>
    Task PrepareAsync(CancellationToken cancellationToken);
}

public interface IComplaintRepository
{
    /// <summary>The next number of the tenant's reference sequence for a year: unique per tenant and year, increasing
    /// within one instance, not gap-free (numbers are handed out in blocks that a restart may leave part-used).</summary>
    Task<long> NextSequenceAsync(int year, CancellationToken cancellationToken);

    Task AddAsync(Complaint complaint, CancellationToken cancellationToken);

    Task<Complaint?> GetAsync(Guid id, CancellationToken cancellationToken);

    /// <summary>The complaint, for an update in this transaction: its row stays locked until the transaction ends, so the
    /// version read is the version <see cref="UpdateAsync"/> finds (another writer waits, then reads the new version:
    /// docs/adr/0011).</summary>
    Task<Complaint?> GetForUpdateAsync(Guid id, CancellationToken cancellationToken);

    /// <summary>Several complaints for an update in this transaction (a merge's two) in one round trip, each row locked
    /// until the transaction ends; locked in id order, so two commands on the same complaints cannot deadlock. The ones
    /// found, by id.</summary>
    Task<IReadOnlyDictionary<Guid, Complaint>> GetForUpdateAsync(IReadOnlyCollection<Guid> ids, CancellationToken cancellationToken);

    Task<bool> UpdateAsync(Complaint complaint, long expectedVersion, CancellationToken cancellationToken);

    Task AddNoteAsync(ComplaintNote note, CancellationToken cancellationToken);

    /// <summary>
    /// Points the duplicates merged into <paramref name="from"/> at <paramref name="toId"/> (a merged complaint's own
    /// duplicates follow it), bumping each one's version (its <c>mergedIntoId</c> changed, so its ETag must); returns
    /// each repointed complaint with its new version, for the audit entry and event the caller writes.
    /// </summary>
    Task<IReadOnlyList<RepointedComplaint>> RepointMergedAsync(Complaint from, Guid toId, CancellationToken cancellationToken);
}

/// <summary>A merged duplicate that now points at another survivor, and its version after the change.</summary>
public sealed record RepointedComplaint(Guid Id, long Version);

public interface IAuditRepository
{
    Task AppendAsync(AuditEntry entry, CancellationToken cancellationToken) => AppendAsync(entry, null, cancellationToken);

    /// <summary>Writes the entry with the old and new values of its changed fields, personal ones sealed under the
    /// consumer's key; the entry's HMAC covers the stored (sealed) values.</summary>
    Task AppendAsync(AuditEntry entry, AuditValues? values, CancellationToken cancellationToken);
}

/// <summary>What a tenant's current taxonomy of one kind says about a code.</summary>
/// <param name="CurrentVersion">The latest published version; null when the tenant keeps no taxonomy of that kind.</param>
/// <param name="Contains">Whether that version holds the code.</param>
public sealed record TaxonomyLookup(int? CurrentVersion, bool Contains);

public interface ITaxonomyRepository
{
    /// <summary>The latest published version of the kind (0 when none).</summary>
    Task<int> CurrentVersionAsync(TaxonomyKind kind, CancellationToken cancellationToken);

    /// <summary>Stores a new version; a concurrent publisher of the same version loses on the primary key (409).</summary>
    Task AddAsync(Taxonomy taxonomy, Guid? publishedBy, CancellationToken cancellationToken);

    Task<TaxonomyLookup> LookupAsync(TaxonomyKind kind, string code, CancellationToken cancellationToken);
}

/// <summary>The tenant's calendar and clock settings (closure days, internal SLA, at-risk window).</summary>
public interface ITenantClockRepository
{
    /// <summary>What deadlines of a complaint received on <paramref name="from"/> are computed with: the active closure
    /// days up to <paramref name="to"/> and the internal SLA.</summary>
    Task<TenantClock> GetClockAsync(DateOnly from, DateOnly to, CancellationToken cancellationToken);

    Task<ClosureDay?> GetClosureDayAsync(DateOnly date, CancellationToken cancellationToken);

    Task AddClosureDayAsync(ClosureDay day, CancellationToken cancellationToken);

    Task UpdateClosureDayAsync(ClosureDay day, CancellationToken cancellationToken);

    Task<ClockSettings> GetSettingsAsync(CancellationToken cancellationToken);

    Task SaveSettingsAsync(ClockSettings settings, DateTimeOffset now, CancellationToken cancellationToken);
}

/// <summary>
/// The transactional outbox: appends an event in the request's transaction; its position in the tenant's feed is
/// given in commit order (at once, or a moment after commit by the sealer), never to a change that rolls back.
/// </summary>
public interface IEventOutbox
{
    Task AppendAsync(Cms.Domain.Events.ChangeEvent change, CancellationToken cancellationToken);
}

