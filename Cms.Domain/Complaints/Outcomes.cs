using Cms.Domain.Common;
using Cms.Domain.Consumers;
using Cms.Domain.Regulation;

namespace Cms.Domain.Complaints;

/// <summary>One response the firm sent on a complaint, with the date it was sent. Never edited; a complaint has several.</summary>
public sealed record ComplaintResponse(Guid Id, Guid ComplaintId, ResponseType Type, DateTimeOffset SentAt, Guid? RecordedBy, DateTimeOffset RecordedAt);

/// <summary>
/// The FCA FG21/1 drivers of a consumer's vulnerability as they bear on this complaint. Drivers are special-category
/// personal data (health): they are held only with the consumer's consent, and the moment of consent is kept with them.
/// </summary>
public sealed record ComplaintVulnerability(bool Involved, IReadOnlySet<VulnerabilityDriver> Drivers, DateTimeOffset? ConsentGivenAt)
{
    public static readonly ComplaintVulnerability None = new(false, new HashSet<VulnerabilityDriver>(), null);

    public static Result<ComplaintVulnerability> Create(bool involved, IReadOnlyCollection<VulnerabilityDriver> drivers,
        DateTimeOffset? consentGivenAt, DateTimeOffset now)
    {
        if (drivers.Count > 0 && !involved)
        {
            return Error.Validation("drivers", "Drivers can be recorded only when vulnerability is involved.");
        }

        if (drivers.Count > 0 && consentGivenAt is null)
        {
            return Error.Validation("consentGivenAt", "Vulnerability drivers are recorded only with the consumer's consent: give the time consent was given.");
        }

        if (consentGivenAt is { } consent && consent > now)
        {
            return Error.Validation("consentGivenAt", "Consent cannot be given in the future.");
        }

        if (consentGivenAt is not null && drivers.Count == 0)
        {
            return Error.Validation("drivers", "Consent is recorded with the drivers it covers; name at least one driver.");
        }

        return new ComplaintVulnerability(involved, drivers.ToHashSet(), consentGivenAt);
    }
}

/// <summary>The closure bands of a regulator's return, measured with the complaint's regulatory calendar.</summary>
public static class ClosureBands
{
    /// <summary>
    /// The band of a complaint received at <paramref name="receivedAt"/> and answered at <paramref name="respondedAt"/>:
    /// by the end of the 3rd business day after the day of receipt (local time, the calendar's business days), by the end
    /// of the day 8 weeks after receipt, or later. Business days are those of the complaint's pinned profile version's
    /// calendar (weekends and that calendar's public holidays), as the regulatory clocks count them.
    /// </summary>
    public static ClosureBand Of(BusinessCalendar calendar, DateTimeOffset receivedAt, DateTimeOffset respondedAt)
    {
        var receivedDay = calendar.LocalDate(receivedAt);
        if (respondedAt <= calendar.EndOfDay(calendar.AddBusinessDays(receivedDay, 3)))
        {
            return ClosureBand.WithinThreeBusinessDays;
        }

        return respondedAt <= calendar.EndOfDay(receivedDay.AddDays(56)) ? ClosureBand.WithinEightWeeks : ClosureBand.AfterEightWeeks;
    }
}
