using Cms.Domain.Audit;
using Cms.Domain.Complaints;
using Cms.Domain.Consumers;
using Cms.Domain.Queues;
using Cms.Domain.Regulation;
using Cms.Domain.Staff;
using Cms.Domain.Taxonomies;
using Cms.Domain.Tenants;

namespace Cms.Tests.Application.Fakes;

/// <summary>
/// The "database" behind the fakes of one test: every tenant's rows side by side (as in the real tables), stored as
/// copies so that an aggregate changed in memory but never saved leaves no trace. The fakes filter by the tenant in
/// scope; tests seed and inspect it directly.
/// </summary>
public sealed class InMemoryDatabase
{
    public Dictionary<Guid, Tenant> Tenants { get; } = [];

    public Dictionary<Guid, StaffMember> Staff { get; } = [];

    public Dictionary<Guid, Consumer> Consumers { get; } = [];

    public Dictionary<Guid, Queue> Queues { get; } = [];

    public Dictionary<Guid, ComplaintState> Complaints { get; } = [];

    public List<ComplaintNote> Notes { get; } = [];

    public List<Taxonomy> Taxonomies { get; } = [];

    public List<AuditEntry> Audit { get; } = [];

    public List<Cms.Application.PlatformAudit.PlatformAuditEntry> PlatformAudit { get; } = [];

    public Dictionary<Guid, Cms.Application.Tenants.TenantOffboardingDto> Offboardings { get; } = [];

    public List<ClosureDay> ClosureDays { get; } = [];

    public Dictionary<Guid, ClockSettings> ClockSettings { get; } = [];
    /// <summary>The change-feed events appended (the outbox), with their per-tenant position.</summary>
    public List<(long Position, Cms.Domain.Events.ChangeEvent Event)> Events { get; } = [];

    /// <summary>The last reference number issued per tenant and year.</summary>
    public Dictionary<(Guid TenantId, int Year), long> Sequences { get; } = [];

    /// <summary>Every write the fakes performed, e.g. "complaint.update 0190…" (seeding does not count).</summary>
    public List<string> Writes { get; } = [];

    public long NextSequence(Guid tenantId, int year)
    {
        var next = Sequences.GetValueOrDefault((tenantId, year)) + 1;
        Sequences[(tenantId, year)] = next;
        return next;
    }

    public IEnumerable<AuditEntry> AuditOf(Guid tenantId) => Audit.Where(a => a.TenantId == tenantId);
}

/// <summary>Copies of aggregates, as a row would hold them: what is stored is never the instance a handler changes.</summary>
public static class Stored
{
    public static ComplaintState Of(Complaint c, Guid? mergedIntoId = null) => new()
    {
        Id = c.Id,
        TenantId = c.TenantId,
        Reference = c.Reference,
        ConsumerId = c.ConsumerId,
        Channel = c.Channel,
        Product = c.Product,
        Category = c.Category,
        Description = c.Description,
        Priority = c.Priority,
        VulnerabilityInvolved = c.VulnerabilityInvolved,
        Flags = c.Flags,
        ProfileCode = c.ProfileCode,
        ProfileVersion = c.ProfileVersion,
        Status = c.Status,
        AssigneeId = c.AssigneeId,
        ReceivedAt = c.ReceivedAt,
        AcknowledgedAt = c.AcknowledgedAt,
        SummaryResolutionAt = c.SummaryResolutionAt,
        FinalResponseAt = c.FinalResponseAt,
        ResolvedAt = c.ResolvedAt,
        ClosedAt = c.ClosedAt,
        ReopenedAt = c.ReopenedAt,
        Resolution = c.Resolution,
        Referral = c.Referral,
        Deadlines = [.. c.Deadlines],
        ProductVersion = c.ProductVersion,
        CategoryVersion = c.CategoryVersion,
        Vulnerability = c.Vulnerability,
        ClosureBand = c.ClosureBand,
        MergedIntoId = mergedIntoId ?? c.MergedIntoId,
        ProvisionalCreditAt = c.ProvisionalCreditAt,
        QueueId = c.QueueId,
        Responses = [.. c.Responses],
        CreatedAt = c.CreatedAt,
        UpdatedAt = c.UpdatedAt,
        Version = c.Version,
    };

    /// <summary>A copy of a stored complaint, optionally as another writer left it (a different version).</summary>
    public static ComplaintState Copy(ComplaintState s, long? version = null)
    {
        var copy = Of(Complaint.Restore(s));
        return version is { } v ? WithVersion(copy, v) : copy;
    }

    public static ComplaintState WithVersion(ComplaintState s, long version) => new()
    {
        Id = s.Id,
        TenantId = s.TenantId,
        Reference = s.Reference,
        ConsumerId = s.ConsumerId,
        Channel = s.Channel,
        Product = s.Product,
        Category = s.Category,
        Description = s.Description,
        Priority = s.Priority,
        VulnerabilityInvolved = s.VulnerabilityInvolved,
        Flags = s.Flags,
        ProfileCode = s.ProfileCode,
        ProfileVersion = s.ProfileVersion,
        Status = s.Status,
        AssigneeId = s.AssigneeId,
        ReceivedAt = s.ReceivedAt,
        AcknowledgedAt = s.AcknowledgedAt,
        SummaryResolutionAt = s.SummaryResolutionAt,
        FinalResponseAt = s.FinalResponseAt,
        ResolvedAt = s.ResolvedAt,
        ClosedAt = s.ClosedAt,
        ReopenedAt = s.ReopenedAt,
        Resolution = s.Resolution,
        Referral = s.Referral,
        Deadlines = s.Deadlines,
        ProductVersion = s.ProductVersion,
        CategoryVersion = s.CategoryVersion,
        Vulnerability = s.Vulnerability,
        ClosureBand = s.ClosureBand,
        MergedIntoId = s.MergedIntoId,
        ProvisionalCreditAt = s.ProvisionalCreditAt,
        QueueId = s.QueueId,
        Responses = [.. s.Responses],
        CreatedAt = s.CreatedAt,
        UpdatedAt = s.UpdatedAt,
        Version = version,
    };

    public static StaffMember Copy(StaffMember s) =>
        StaffMember.Restore(s.Id, s.TenantId, s.Subject, s.Email, s.DisplayName, s.Kind, s.Roles.ToHashSet(), s.IsActive, s.CreatedAt, s.Version,
            s.QueueIds.ToHashSet());

    public static Queue Copy(Queue q) => Queue.Restore(q.Id, q.TenantId, q.Code, q.Name, q.RetiredAt, q.CreatedAt, q.UpdatedAt, q.Version);

    public static Consumer Copy(Consumer c) =>
        Consumer.Restore(c.Id, c.TenantId, c.ExternalRef,
            c.Contact with { Address = c.Contact.Address is { } a ? a with { Lines = [.. a.Lines] } : null },
            c.DateOfBirth, new Vulnerability(c.Vulnerability.Drivers.ToHashSet(), c.Vulnerability.ConsentRecorded),
            c.LegalHold, c.CreatedAt, c.UpdatedAt, c.Version, c.ErasedAt);
}
