namespace Cms.Domain.Regulation;

/// <summary>
/// Calendar arithmetic for regulatory clocks in one jurisdiction's time zone. Business days are Monday to Friday
/// (public holidays come with the regulatory-clock work). A deadline falls due at the end of its day, local time.
/// </summary>
public sealed class BusinessCalendar
{
    private readonly TimeZoneInfo _zone;

    public BusinessCalendar(string timeZoneId)
    {
        TimeZoneId = timeZoneId;
        // A missing zone would shift every deadline by hours without a word: refuse to start instead (install tzdata).
        _zone = TimeZoneInfo.TryFindSystemTimeZoneById(timeZoneId, out var zone)
            ? zone
            : throw new InvalidOperationException($"Time zone '{timeZoneId}' is not installed; regulatory deadlines need the IANA time-zone database (tzdata).");
    }

    public string TimeZoneId { get; }

    public static bool IsBusinessDay(DateOnly day) => day.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday);

    public DateOnly LocalDate(DateTimeOffset instant) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(instant, _zone).DateTime);

    /// <summary>The N-th business day after the local date of <paramref name="from"/> (the day of receipt does not count).</summary>
    public static DateOnly AddBusinessDays(DateOnly from, int days)
    {
        var day = from;
        var counted = 0;
        while (counted < days)
        {
            day = day.AddDays(1);
            if (IsBusinessDay(day))
            {
                counted++;
            }
        }

        return day;
    }

    /// <summary>The last instant (UTC) of a local day: the next local midnight minus one tick.</summary>
    public DateTimeOffset EndOfDay(DateOnly day)
    {
        var nextMidnight = day.AddDays(1).ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
        // A local midnight that does not exist (a DST gap) moves forward to the first valid instant.
        while (_zone.IsInvalidTime(nextMidnight))
        {
            nextMidnight = nextMidnight.AddMinutes(30);
        }

        var utc = TimeZoneInfo.ConvertTimeToUtc(nextMidnight, _zone);
        return new DateTimeOffset(utc.AddTicks(-1), TimeSpan.Zero);
    }
}
