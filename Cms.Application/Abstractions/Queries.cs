using Cms.Application.Audit;
using Cms.Application.Common;
using Cms.Application.Complaints;
using Cms.Application.Consumers;
using Cms.Application.Reports;
using Cms.Application.Taxonomies;
using Cms.Application.Staff;
using Cms.Application.Tenants;
using Cms.Domain.Complaints;
using Cms.Domain.Taxonomies;
using Cms.Domain.Regulation;

namespace Cms.Application.Abstractions;

// Read-side ports: SQL straight into DTOs, always within the tenant in scope, keyset-paged
// (limit rows after the cursor key; implementations fetch limit + 1 to know whether a next page exists).

public interface ITenantQueries
{
    Task<TenantDto?> GetAsync(Guid id, CancellationToken cancellationToken);

    Task<Page<TenantDto>> ListAsync(string? name, int limit, CursorKey? after, CancellationToken cancellationToken);
}

public interface IStaffQueries
{
    Task<Page<StaffDto>> ListAsync(int limit, CursorKey? after, CancellationToken cancellationToken);
}

public interface IConsumerQueries
{
    Task<ConsumerDto?> GetAsync(Guid id, CancellationToken cancellationToken);

    /// <summary>Exact-match lookup by external reference, e-mail and/or phone as the caller gave them: the implementation
    /// trims and normalises them the same way as when they were stored (through the blind indexes in the database).</summary>
    Task<Page<ConsumerDto>> FindAsync(string? externalRef, string? email, string? phone, int limit, CursorKey? after,
        CancellationToken cancellationToken);
}

/// <summary>The complaint list's filters; null means "any".</summary>
public sealed record ComplaintFilter(
    ComplaintStatus? Status = null,
    Guid? AssigneeId = null,
    string? Category = null,
    Guid? ConsumerId = null,
    DateTimeOffset? DueBefore = null,
    bool? Overdue = null,
    DateTimeOffset? ReceivedFrom = null,
    DateTimeOffset? ReceivedTo = null,
    Guid? QueueId = null,
    bool? Unassigned = null)
{
    /// <summary>The complaint reference, exact (e.g. CMP-2026-000123).</summary>
    public string? Reference { get; init; }

    public string? Product { get; init; }

    public Channel? Channel { get; init; }

    /// <summary>Whether vulnerability is involved.</summary>
    public bool? Vulnerable { get; init; }

    /// <summary>Keywords, every one of which a complaint's description or one of its notes holds (the blind index).</summary>
    public string? Keywords { get; init; }
}

public interface IComplaintQueries
{
    Task<ComplaintDto?> GetAsync(Guid id, DateTimeOffset now, CancellationToken cancellationToken);

    Task<bool> ExistsAsync(Guid id, CancellationToken cancellationToken);

    Task<Page<ComplaintSummaryDto>> ListAsync(ComplaintFilter filter, DateTimeOffset now, int limit, CursorKey? after,
        CancellationToken cancellationToken);

    Task<Page<NoteDto>> ListNotesAsync(Guid complaintId, int limit, CursorKey? after, CancellationToken cancellationToken);

    /// <summary>Open complaints by their next regulatory deadline (or by one deadline kind), soonest first, keyset-paged
    /// on (due at, complaint id).</summary>
    Task<Page<DueComplaintDto>> ListDueAsync(DueFilter filter, DateTimeOffset now, int limit, CursorKey? after,
        CancellationToken cancellationToken);
}

/// <summary>
/// Filters of the due list: unmet deadlines due before <paramref name="DueBefore"/> (null: any), not before
/// <paramref name="DueFrom"/> (null: overdue ones included); optionally one assignee, one status (queue) and one
/// deadline kind (e.g. internal_sla; null: the complaint's next regulatory deadline); one queue; and
/// <paramref name="Unassigned"/> true for unassigned complaints only.
/// </summary>
public sealed record DueFilter(
    DateTimeOffset? DueFrom,
    DateTimeOffset? DueBefore,
    Guid? AssigneeId = null,
    ComplaintStatus? Status = null,
    DeadlineKind? Kind = null,
    Guid? QueueId = null,
    bool Unassigned = false);

public interface IQueueQueries
{
    Task<Page<Cms.Application.Queues.QueueDto>> ListAsync(int limit, CursorKey? after, CancellationToken cancellationToken);

    /// <summary>The id of the tenant's queue with this code (retired ones too, for the list filters); null when none.</summary>
    Task<Guid?> FindIdByCodeAsync(string code, CancellationToken cancellationToken);
}

public interface IAuditQueries
{
    /// <summary>Audit entries in time order, optionally of one entity. For a complaint, the entries of the duplicates merged
    /// into it come along: merging keeps both histories.</summary>
    Task<Page<AuditEntryDto>> ListAsync(string? entityType, Guid? entityId, int limit, CursorKey? after, CancellationToken cancellationToken);
}

/// <summary>Reads the tenant's audit chain in chain order, for verification.</summary>
public interface IAuditChainReader
{
    Task<IReadOnlyList<ChainedAuditEntry>> ReadAsync(long afterSequence, int limit, CancellationToken cancellationToken);

    Task<AuditChainHead?> GetHeadAsync(CancellationToken cancellationToken);
}

/// <summary>Reads the tenant's change feed.</summary>
public interface IEventQueries
{
    /// <summary>Up to <paramref name="take"/> events with a position above <paramref name="after"/>, in position order.</summary>
    Task<IReadOnlyList<Cms.Application.Events.EventDto>> ListAsync(long after, int take, CancellationToken cancellationToken);
}

public interface IWebhookQueries
{
    Task<Cms.Application.Webhooks.WebhookDto?> GetAsync(Guid id, CancellationToken cancellationToken);

    Task<Page<Cms.Application.Webhooks.WebhookDto>> ListAsync(int limit, CursorKey? after, CancellationToken cancellationToken);

    Task<Page<Cms.Application.Webhooks.WebhookAttemptDto>> ListAttemptsAsync(Guid endpointId, int limit, CursorKey? after,
        CancellationToken cancellationToken);
}

public interface ITaxonomyQueries
{
    /// <summary>A version of the tenant's taxonomy of the kind, the latest when <paramref name="version"/> is null.</summary>
    Task<TaxonomyDto?> GetAsync(TaxonomyKind kind, int? version, CancellationToken cancellationToken);
}

/// <summary>The regulatory return, computed by aggregates in the database over the period [start, end).</summary>
public interface IComplaintReportQueries
{
    Task<ReportFigures> TotalsAsync(DateTimeOffset start, DateTimeOffset end, CancellationToken cancellationToken);

    Task<IReadOnlyList<GroupFigures>> ByProductAsync(DateTimeOffset start, DateTimeOffset end, CancellationToken cancellationToken);

    Task<IReadOnlyList<GroupFigures>> ByRootCauseAsync(DateTimeOffset start, DateTimeOffset end, CancellationToken cancellationToken);

    Task<VulnerabilityFigures> VulnerabilityAsync(DateTimeOffset start, DateTimeOffset end, CancellationToken cancellationToken);

    Task<ReliefFigures> ReliefAsync(DateTimeOffset start, DateTimeOffset end, CancellationToken cancellationToken);

    Task<DisabilityFigures> DisabilityAsync(DateTimeOffset start, DateTimeOffset end, CancellationToken cancellationToken);
}
