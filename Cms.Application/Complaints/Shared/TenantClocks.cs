using Cms.Application.Abstractions;
using Cms.Domain.Complaints;
using Cms.Domain.Regulation;

namespace Cms.Application.Complaints;

/// <summary>Loads the tenant's clock for a complaint received on a given day.</summary>
public static class TenantClocks
{
    public static Task<TenantClock> ForAsync(ITenantClockRepository clocks, RegulatoryProfile profile, DateTimeOffset receivedAt,
        CancellationToken cancellationToken)
    {
        var receivedDay = profile.Calendar.LocalDate(receivedAt);
        return clocks.GetClockAsync(receivedDay, RegulatoryProfile.HorizonOf(receivedDay), cancellationToken);
    }
}
