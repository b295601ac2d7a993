using System.Collections.Frozen;

namespace Cms.Domain.Regulation;

/// <summary>
/// A tenant's own closure days (the firm is closed for business, e.g. a regional holiday, or a day closed by an
/// executive order). They count as non-business days only where the rule's definition of a business day is the
/// firm's own open days (see <see cref="BusinessDayBasis"/>).
/// </summary>
public sealed class ClosureDays
{
    private readonly FrozenSet<DateOnly> _days;

    public ClosureDays(IEnumerable<DateOnly> days) => _days = days.ToFrozenSet();

    public static ClosureDays None { get; } = new([]);

    public int Count => _days.Count;

    public bool Contains(DateOnly day) => _days.Contains(day);
}

/// <summary>
/// Calendar arithmetic for regulatory clocks in one jurisdiction's time zone. Business days are Monday to Friday that
/// are not public holidays of the calendar's <see cref="HolidaySchedule"/> (and, when a rule counts the firm's own
/// open days, not one of the tenant's closure days). A deadline falls due at the end of its day, local time.
/// </summary>
public sealed class BusinessCalendar
{
    private readonly TimeZoneInfo _zone;

    public BusinessCalendar(string timeZoneId, HolidaySchedule holidays = HolidaySchedule.None)
    {
        TimeZoneId = timeZoneId;
        Holidays = holidays;
        // A missing zone would shift every deadline by hours without a word: refuse to start instead (install tzdata).
        _zone = TimeZoneInfo.TryFindSystemTimeZoneById(timeZoneId, out var zone)
            ? zone
            : throw new InvalidOperationException($"Time zone '{timeZoneId}' is not installed; regulatory deadlines need the IANA time-zone database (tzdata).");
    }

    public string TimeZoneId { get; }

    public HolidaySchedule Holidays { get; }

    public static bool IsWeekend(DateOnly day) => day.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday;

    public bool IsPublicHoliday(DateOnly day) => PublicHolidays.IsHoliday(Holidays, day);

    public bool IsBusinessDay(DateOnly day, ClosureDays? closures = null) =>
        !IsWeekend(day) && !IsPublicHoliday(day) && !(closures?.Contains(day) ?? false);

    public DateOnly LocalDate(DateTimeOffset instant) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(instant, _zone).DateTime);

    /// <summary>The N-th business day after <paramref name="from"/> (the day of receipt does not count, whether or not
    /// it is a business day itself).</summary>
    public DateOnly AddBusinessDays(DateOnly from, int days, ClosureDays? closures = null)
    {
        var day = from;
        var counted = 0;
        while (counted < days)
        {
            day = day.AddDays(1);
            if (IsBusinessDay(day, closures))
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
