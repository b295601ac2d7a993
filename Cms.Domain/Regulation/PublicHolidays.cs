using System.Collections.Concurrent;
using System.Collections.Frozen;

namespace Cms.Domain.Regulation;

/// <summary>A public holiday as observed: the day offices close, which may be a substitute for the nominal date.</summary>
public sealed record PublicHoliday(DateOnly Date, string Name);

/// <summary>Which public holidays a business-day calendar skips (besides Saturdays and Sundays).</summary>
public enum HolidaySchedule
{
    /// <summary>Weekends only. Used where no single public-holiday list defines the regulator's business day (the
    /// EU profiles: each member state has its own; firms enter theirs as closure days) and by version 1 of the UK
    /// and US banking profiles, which predate holiday calendars.</summary>
    None,

    /// <summary>England and Wales bank holidays (Banking and Financial Dealings Act 1971, Schedule 1, plus royal
    /// proclamations). Scotland and Northern Ireland have other lists.</summary>
    EnglandAndWales,

    /// <summary>US federal holidays (5 U.S.C. 6103) with their observed days (Executive Order 11582: Saturday → Friday,
    /// Sunday → Monday).</summary>
    UsFederal,
}

/// <summary>The public holidays of a schedule, computed by rule year by year and cached.</summary>
public static class PublicHolidays
{
    private static readonly ConcurrentDictionary<(HolidaySchedule, int), FrozenDictionary<DateOnly, string>> Cache = new();

    /// <summary>The observed holidays whose observed date falls in <paramref name="year"/>, in date order. A holiday of
    /// one year observed in the previous one (US: New Year's Day on a Saturday, observed on 31 December) belongs to the
    /// year it is observed in.</summary>
    public static IReadOnlyList<PublicHoliday> In(HolidaySchedule schedule, int year) =>
        [.. For(schedule, year).OrderBy(h => h.Key).Select(h => new PublicHoliday(h.Key, h.Value))];

    public static bool IsHoliday(HolidaySchedule schedule, DateOnly day) =>
        schedule != HolidaySchedule.None && For(schedule, day.Year).ContainsKey(day);

    public static string? NameOf(HolidaySchedule schedule, DateOnly day) =>
        schedule != HolidaySchedule.None && For(schedule, day.Year).TryGetValue(day, out var name) ? name : null;

    private static FrozenDictionary<DateOnly, string> For(HolidaySchedule schedule, int year) =>
        Cache.GetOrAdd((schedule, year), static key =>
        {
            var (schedule, year) = key;
            // Rules of the neighbouring years too, so a holiday observed across a year end lands in the right year.
            IEnumerable<PublicHoliday> candidates = schedule switch
            {
                HolidaySchedule.EnglandAndWales => EnglandAndWalesBankHolidays.Rules(year),
                HolidaySchedule.UsFederal => UsFederalHolidays.Rules(year - 1).Concat(UsFederalHolidays.Rules(year))
                    .Concat(UsFederalHolidays.Rules(year + 1)),
                _ => [],
            };
            return candidates.Where(h => h.Date.Year == year)
                .GroupBy(h => h.Date)
                .ToFrozenDictionary(g => g.Key, g => string.Join(" / ", g.Select(h => h.Name)));
        });

    /// <summary>Easter Sunday in the Gregorian calendar (the anonymous Gregorian algorithm, "Meeus/Jones/Butcher").</summary>
    public static DateOnly EasterSunday(int year)
    {
        var a = year % 19;
        var b = year / 100;
        var c = year % 100;
        var d = b / 4;
        var e = b % 4;
        var f = (b + 8) / 25;
        var g = (b - f + 1) / 3;
        var h = ((19 * a) + b - d - g + 15) % 30;
        var i = c / 4;
        var k = c % 4;
        var l = (32 + (2 * e) + (2 * i) - h - k) % 7;
        var m = (a + (11 * h) + (22 * l)) / 451;
        var month = (h + l - (7 * m) + 114) / 31;
        var day = ((h + l - (7 * m) + 114) % 31) + 1;
        return new DateOnly(year, month, day);
    }

    /// <summary>The <paramref name="n"/>-th (1-based) given weekday of a month.</summary>
    internal static DateOnly NthWeekday(int year, int month, DayOfWeek weekday, int n)
    {
        var first = new DateOnly(year, month, 1);
        var offset = ((int)weekday - (int)first.DayOfWeek + 7) % 7;
        return first.AddDays(offset + (7 * (n - 1)));
    }

    /// <summary>The last given weekday of a month.</summary>
    internal static DateOnly LastWeekday(int year, int month, DayOfWeek weekday)
    {
        var last = new DateOnly(year, month, DateTime.DaysInMonth(year, month));
        var offset = ((int)last.DayOfWeek - (int)weekday + 7) % 7;
        return last.AddDays(-offset);
    }
}

/// <summary>
/// England and Wales bank holidays. The standing rules (Banking and Financial Dealings Act 1971, Schedule 1 and the
/// annual proclamations that have fixed them since 1978): New Year's Day, Good Friday, Easter Monday, the early May
/// bank holiday (first Monday in May), the spring bank holiday (last Monday in May), the summer bank holiday (last
/// Monday in August), Christmas Day and Boxing Day. New Year's Day, Christmas Day and Boxing Day on a weekend give
/// substitute days on the following weekdays. On top come one-off royal proclamations, which move a standing holiday
/// or add a day; those are data, listed in <see cref="Proclamations"/>. Source of truth for checking:
/// https://www.gov.uk/bank-holidays (published lists).
/// </summary>
public static class EnglandAndWalesBankHolidays
{
    /// <summary>A proclaimed change: a standing holiday moved to another day, or an additional day.</summary>
    public sealed record Proclamation(DateOnly? Moves, DateOnly To, string Name);

    /// <summary>One-off proclamations (moves and additional days). Add new ones here when proclaimed.</summary>
    public static IReadOnlyList<Proclamation> Proclamations { get; } =
    [
        new(new DateOnly(1995, 5, 1), new DateOnly(1995, 5, 8), "Early May bank holiday (VE Day)"),
        new(null, new DateOnly(1999, 12, 31), "Millennium celebrations"),
        new(new DateOnly(2002, 5, 27), new DateOnly(2002, 6, 4), "Spring bank holiday"),
        new(null, new DateOnly(2002, 6, 3), "Golden Jubilee of Elizabeth II"),
        new(null, new DateOnly(2011, 4, 29), "Wedding of Prince William and Catherine Middleton"),
        new(new DateOnly(2012, 5, 28), new DateOnly(2012, 6, 4), "Spring bank holiday"),
        new(null, new DateOnly(2012, 6, 5), "Diamond Jubilee of Elizabeth II"),
        new(new DateOnly(2020, 5, 4), new DateOnly(2020, 5, 8), "Early May bank holiday (VE Day)"),
        new(new DateOnly(2022, 5, 30), new DateOnly(2022, 6, 2), "Spring bank holiday"),
        new(null, new DateOnly(2022, 6, 3), "Platinum Jubilee bank holiday"),
        new(null, new DateOnly(2022, 9, 19), "Bank Holiday for the State Funeral of Queen Elizabeth II"),
        new(null, new DateOnly(2023, 5, 8), "Bank holiday for the coronation of King Charles III"),
    ];

    internal static IEnumerable<PublicHoliday> Rules(int year)
    {
        var standing = new List<PublicHoliday>();
        standing.Add(new PublicHoliday(NextWeekday(new DateOnly(year, 1, 1)), "New Year's Day"));
        var easter = PublicHolidays.EasterSunday(year);
        standing.Add(new PublicHoliday(easter.AddDays(-2), "Good Friday"));
        standing.Add(new PublicHoliday(easter.AddDays(1), "Easter Monday"));
        standing.Add(new PublicHoliday(PublicHolidays.NthWeekday(year, 5, DayOfWeek.Monday, 1), "Early May bank holiday"));
        standing.Add(new PublicHoliday(PublicHolidays.LastWeekday(year, 5, DayOfWeek.Monday), "Spring bank holiday"));
        standing.Add(new PublicHoliday(PublicHolidays.LastWeekday(year, 8, DayOfWeek.Monday), "Summer bank holiday"));

        // Christmas Day and Boxing Day: a day on a weekend is replaced by the next weekday not already a holiday
        // (Christmas on Saturday: Monday 27 and Tuesday 28; on Sunday: Boxing Day Monday 26, substitute Tuesday 27).
        var christmas = new DateOnly(year, 12, 25);
        var boxing = new DateOnly(year, 12, 26);
        var christmasObserved = NextWeekday(christmas);
        var boxingObserved = NextWeekday(boxing);
        if (boxingObserved == christmasObserved)
        {
            boxingObserved = NextWeekday(boxingObserved.AddDays(1));
        }

        if (christmas.DayOfWeek == DayOfWeek.Sunday)
        {
            // Boxing Day (Monday 26) keeps its date; Christmas Day's substitute is the Tuesday.
            boxingObserved = boxing;
            christmasObserved = NextWeekday(boxing.AddDays(1));
        }

        standing.Add(new PublicHoliday(christmasObserved, christmas == christmasObserved ? "Christmas Day" : "Christmas Day (substitute day)"));
        standing.Add(new PublicHoliday(boxingObserved, boxing == boxingObserved ? "Boxing Day" : "Boxing Day (substitute day)"));
        if (standing[0].Date != new DateOnly(year, 1, 1))
        {
            standing[0] = standing[0] with { Name = "New Year's Day (substitute day)" };
        }

        foreach (var holiday in standing)
        {
            var move = Proclamations.FirstOrDefault(p => p.Moves == holiday.Date);
            yield return move is null ? holiday : new PublicHoliday(move.To, move.Name);
        }

        foreach (var extra in Proclamations.Where(p => p.Moves is null && p.To.Year == year))
        {
            yield return new PublicHoliday(extra.To, extra.Name);
        }
    }

    private static DateOnly NextWeekday(DateOnly day) => day.DayOfWeek switch
    {
        DayOfWeek.Saturday => day.AddDays(2),
        DayOfWeek.Sunday => day.AddDays(1),
        _ => day,
    };
}

/// <summary>
/// US federal holidays (5 U.S.C. 6103(a)): New Year's Day (1 January), Birthday of Martin Luther King, Jr. (third
/// Monday in January), Washington's Birthday (third Monday in February), Memorial Day (last Monday in May),
/// Juneteenth National Independence Day (19 June, from 2021: Pub. L. 117-17, first observed Friday 18 June 2021),
/// Independence Day (4 July), Labor Day (first Monday in September), Columbus Day (second Monday in October), Veterans
/// Day (11 November), Thanksgiving Day (fourth Thursday in November), Christmas Day (25 December). A fixed-date holiday
/// on a Saturday is observed on the Friday before, on a Sunday on the Monday after (5 U.S.C. 6103(b), Executive Order
/// 11582), so New Year's Day on a Saturday is observed on 31 December of the previous year. Checked against the
/// Office of Personnel Management's published lists (opm.gov, "Federal Holidays"). One-off closures by executive order
/// (e.g. 24 December 2019 and 2020) are not federal holidays; a tenant enters such days as closure days.
/// </summary>
/// <remarks>The Federal Reserve Banks do not move a Saturday holiday to the Friday; a bank that follows the Fed's
/// schedule and opens on that Friday may be stricter than this calendar, never laxer for the consumer.</remarks>
public static class UsFederalHolidays
{
    internal static IEnumerable<PublicHoliday> Rules(int year)
    {
        yield return Observed(new DateOnly(year, 1, 1), "New Year's Day");
        yield return new PublicHoliday(PublicHolidays.NthWeekday(year, 1, DayOfWeek.Monday, 3), "Birthday of Martin Luther King, Jr.");
        yield return new PublicHoliday(PublicHolidays.NthWeekday(year, 2, DayOfWeek.Monday, 3), "Washington's Birthday");
        yield return new PublicHoliday(PublicHolidays.LastWeekday(year, 5, DayOfWeek.Monday), "Memorial Day");
        if (year >= 2021)
        {
            yield return Observed(new DateOnly(year, 6, 19), "Juneteenth National Independence Day");
        }

        yield return Observed(new DateOnly(year, 7, 4), "Independence Day");
        yield return new PublicHoliday(PublicHolidays.NthWeekday(year, 9, DayOfWeek.Monday, 1), "Labor Day");
        yield return new PublicHoliday(PublicHolidays.NthWeekday(year, 10, DayOfWeek.Monday, 2), "Columbus Day");
        yield return Observed(new DateOnly(year, 11, 11), "Veterans Day");
        yield return new PublicHoliday(PublicHolidays.NthWeekday(year, 11, DayOfWeek.Thursday, 4), "Thanksgiving Day");
        yield return Observed(new DateOnly(year, 12, 25), "Christmas Day");
    }

    private static PublicHoliday Observed(DateOnly day, string name) => day.DayOfWeek switch
    {
        DayOfWeek.Saturday => new PublicHoliday(day.AddDays(-1), $"{name} (observed)"),
        DayOfWeek.Sunday => new PublicHoliday(day.AddDays(1), $"{name} (observed)"),
        _ => new PublicHoliday(day, name),
    };
}
