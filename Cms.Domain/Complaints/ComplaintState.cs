using Cms.Domain.Regulation;

namespace Cms.Domain.Complaints;

/// <summary>The stored state of a complaint, used to file and to restore the aggregate.</summary>
public sealed class ComplaintState
{
    public Guid Id { get; init; }
    public Guid TenantId { get; init; }
    public string Reference { get; init; } = "";
    public Guid ConsumerId { get; init; }
    public Channel Channel { get; init; }
    public string Product { get; init; } = "";
    public int? ProductVersion { get; init; }
    public string Category { get; init; } = "";
    public int? CategoryVersion { get; init; }
    public string Description { get; init; } = "";
    public Priority Priority { get; init; }
    public bool VulnerabilityInvolved { get; init; }
    /// <summary>Involvement with drivers and consent; when null, <see cref="VulnerabilityInvolved"/> alone (no drivers).</summary>
    public ComplaintVulnerability? Vulnerability { get; init; }
    public ComplaintFlags Flags { get; init; } = ComplaintFlags.None;
    public string ProfileCode { get; init; } = "";
    public int ProfileVersion { get; init; } = 1;
    public ComplaintStatus Status { get; init; }
    public Guid? AssigneeId { get; init; }
    public Guid? QueueId { get; init; }
    public DateTimeOffset ReceivedAt { get; init; }
    public DateTimeOffset? AcknowledgedAt { get; init; }
    public DateTimeOffset? SummaryResolutionAt { get; init; }
    public DateTimeOffset? FinalResponseAt { get; init; }
    public DateTimeOffset? ResolvedAt { get; init; }
    public DateTimeOffset? ClosedAt { get; init; }
    public DateTimeOffset? ReopenedAt { get; init; }
    public Resolution? Resolution { get; init; }
    public Referral? Referral { get; init; }
    public ClosureBand? ClosureBand { get; init; }
    public Guid? MergedIntoId { get; init; }
    public DateTimeOffset? ProvisionalCreditAt { get; init; }
    public IReadOnlyList<ComplaintResponse> Responses { get; init; } = [];
    public IReadOnlyList<Deadline> Deadlines { get; init; } = [];
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
    public long Version { get; init; }
}
