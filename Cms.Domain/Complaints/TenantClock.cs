using Cms.Domain.Regulation;

namespace Cms.Domain.Complaints;

/// <summary>A tenant's clock settings that deadlines are computed with: its closure days and its internal SLA.</summary>
public sealed record TenantClock(ClosureDays Closures, InternalSla? InternalSla)
{
    public static TenantClock None { get; } = new(ClosureDays.None, null);
}
