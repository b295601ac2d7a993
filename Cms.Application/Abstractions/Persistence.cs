using Cms.Domain.Audit;
using Cms.Domain.Complaints;
using Cms.Domain.Consumers;
using Cms.Domain.Staff;
using Cms.Domain.Tenants;

namespace Cms.Application.Abstractions;

// Write-side ports: one repository per aggregate, all working inside the request's unit of work and
// always within the tenant in scope (TenantScope). Update methods return false when the stored version is not
// the expected one (optimistic concurrency): the caller lost a race and must not overwrite.

public interface ITenantRepository
{
    Task AddAsync(Tenant tenant, CancellationToken cancellationToken);

    Task<Tenant?> GetAsync(Guid id, CancellationToken cancellationToken);
}

public interface IStaffRepository
{
    Task AddAsync(StaffMember staff, CancellationToken cancellationToken);

    Task<StaffMember?> GetAsync(Guid id, CancellationToken cancellationToken);

    Task<StaffMember?> FindBySubjectAsync(string subject, CancellationToken cancellationToken);

    Task<bool> UpdateAsync(StaffMember staff, long expectedVersion, CancellationToken cancellationToken);
}

public interface IConsumerRepository
{
    Task AddAsync(Consumer consumer, CancellationToken cancellationToken);

    Task<Consumer?> GetAsync(Guid id, CancellationToken cancellationToken);

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
    /// list) of those skipped as duplicates of an external reference, in ascending order.</summary>
    Task<IReadOnlyList<int>> AddManyAsync(IReadOnlyList<Consumer> consumers, CancellationToken cancellationToken);
}

public interface IComplaintRepository
{
    /// <summary>The next number of the tenant's reference sequence for a year (serialised per tenant and year).</summary>
    Task<long> NextSequenceAsync(int year, CancellationToken cancellationToken);

    Task AddAsync(Complaint complaint, CancellationToken cancellationToken);

    Task<Complaint?> GetAsync(Guid id, CancellationToken cancellationToken);

    Task<bool> UpdateAsync(Complaint complaint, long expectedVersion, CancellationToken cancellationToken);

    Task AddNoteAsync(ComplaintNote note, CancellationToken cancellationToken);
}

public interface IAuditRepository
{
    Task AppendAsync(AuditEntry entry, CancellationToken cancellationToken);
}
