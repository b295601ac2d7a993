using Cms.Domain.Audit;
using Cms.Domain.Complaints;
using Cms.Domain.Consumers;
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

public interface IComplaintRepository
{
    /// <summary>The next number of the tenant's reference sequence for a year (serialised per tenant and year).</summary>
    Task<long> NextSequenceAsync(int year, CancellationToken cancellationToken);

    Task AddAsync(Complaint complaint, CancellationToken cancellationToken);

    Task<Complaint?> GetAsync(Guid id, CancellationToken cancellationToken);

    Task<bool> UpdateAsync(Complaint complaint, long expectedVersion, CancellationToken cancellationToken);

    Task AddNoteAsync(ComplaintNote note, CancellationToken cancellationToken);

    /// <summary>Points the duplicates merged into <paramref name="fromId"/> at <paramref name="toId"/> (a merged complaint's own duplicates follow it).</summary>
    Task RepointMergedAsync(Guid fromId, Guid toId, CancellationToken cancellationToken);
}

public interface IAuditRepository
{
    Task AppendAsync(AuditEntry entry, CancellationToken cancellationToken);
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
