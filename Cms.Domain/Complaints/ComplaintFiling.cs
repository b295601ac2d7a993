using Cms.Domain.Regulation;

namespace Cms.Domain.Complaints;

/// <summary>
/// What a complaint is filed with: who complains, through which channel, about what, under which regulatory profile.
/// The rest is optional: the taxonomy versions the codes were chosen from, the vulnerability mark, the flags that drive
/// the deadlines, when it was received (null: now), its queue, and the tenant's clock (closure days, internal SLA).
/// </summary>
public sealed record ComplaintFiling(
    Guid Id,
    Guid TenantId,
    string Reference,
    Guid ConsumerId,
    Channel Channel,
    string Product,
    string Category,
    string Description,
    Priority Priority,
    RegulatoryProfile Profile)
{
    public int? ProductVersion { get; init; }

    public int? CategoryVersion { get; init; }

    public bool VulnerabilityInvolved { get; init; }

    public ComplaintFlags Flags { get; init; } = ComplaintFlags.None;

    public DateTimeOffset? ReceivedAt { get; init; }

    public Guid? QueueId { get; init; }

    public TenantClock Clock { get; init; } = TenantClock.None;
}
