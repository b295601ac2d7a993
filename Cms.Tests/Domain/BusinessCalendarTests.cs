using Cms.Domain.Regulation;

namespace Cms.Tests.Domain;

public sealed class BusinessCalendarTests
{
    private static readonly BusinessCalendar London = new("Europe/London");
    private static readonly BusinessCalendar Brussels = new("Europe/Brussels");
    private static readonly BusinessCalendar NewYork = new("America/New_York");
    private static readonly BusinessCalendar LondonBank = new("Europe/London", HolidaySchedule.EnglandAndWales);
    private static readonly BusinessCalendar NewYorkFederal = new("America/New_York", HolidaySchedule.UsFederal);

    private static DateOnly D(string iso) => DateOnly.Parse(iso, System.Globalization.CultureInfo.InvariantCulture);

    private static DateTimeOffset Utc(int y, int mo, int d, int h, int mi = 0) => new(y, mo, d, h, mi, 0, TimeSpan.Zero);

    [TestCase(2026, 3, 23, true)] // Monday
    [TestCase(2026, 3, 27, true)] // Friday
    [TestCase(2026, 3, 28, false)] // Saturday
    [TestCase(2026, 3, 29, false)] // Sunday
    [TestCase(2027, 1, 1, true)] // a Friday; a calendar without a holiday schedule skips weekends only
    public void Business_days_are_monday_to_friday(int y, int m, int d, bool expected)
    {
        Assert.That(London.IsBusinessDay(new DateOnly(y, m, d)), Is.EqualTo(expected));
    }

    [TestCase("2027-01-01", false)] // New Year's Day
    [TestCase("2026-04-03", false)] // Good Friday
    [TestCase("2026-04-06", false)] // Easter Monday
    [TestCase("2026-04-07", true)]
    [TestCase("2026-12-28", false)] // Boxing Day substitute
    [TestCase("2026-12-29", true)]
    public void A_bank_holiday_is_not_a_business_day_in_england_and_wales(string day, bool expected)
    {
        Assert.That(LondonBank.IsBusinessDay(D(day)), Is.EqualTo(expected));
    }

    // Across the year end in England and Wales: 25, 28 December 2026 and 1 January 2027 are bank holidays.
    [TestCase("2026-12-23", 1, "2026-12-24")]
    [TestCase("2026-12-24", 1, "2026-12-29")]
    [TestCase("2026-12-24", 3, "2026-12-31")]
    [TestCase("2026-12-24", 4, "2027-01-04")]
    [TestCase("2026-12-30", 3, "2027-01-05")]
    [TestCase("2026-12-24", 15, "2027-01-19")]
    // 2022: Christmas on a Sunday, substitute Tuesday 27; 2 January 2023 the New Year substitute.
    [TestCase("2022-12-23", 1, "2022-12-28")]
    [TestCase("2022-12-30", 1, "2023-01-03")]
    // Easter 2026 and the proclaimed days of 2022.
    [TestCase("2026-04-02", 1, "2026-04-07")]
    [TestCase("2022-06-01", 1, "2022-06-06")]
    [TestCase("2022-09-16", 1, "2022-09-20")]
    public void AddBusinessDays_skips_england_and_wales_bank_holidays(string from, int days, string expected)
    {
        Assert.That(LondonBank.AddBusinessDays(D(from), days), Is.EqualTo(D(expected)));
    }

    // Across the year end in the US: 2021-12-24 (Christmas observed) and 2021-12-31 (New Year 2022 observed).
    [TestCase("2021-12-23", 1, "2021-12-27")]
    [TestCase("2021-12-30", 1, "2022-01-03")]
    [TestCase("2021-12-22", 10, "2022-01-07")]
    [TestCase("2026-07-02", 1, "2026-07-06")] // Independence Day observed Friday 3 July
    [TestCase("2026-11-25", 1, "2026-11-27")] // Thanksgiving
    [TestCase("2026-01-16", 10, "2026-02-02")] // MLK day 19 January
    public void AddBusinessDays_skips_us_federal_holidays_and_observed_days(string from, int days, string expected)
    {
        Assert.That(NewYorkFederal.AddBusinessDays(D(from), days), Is.EqualTo(D(expected)));
    }

    [Test]
    public void Closure_days_are_skipped_only_when_given()
    {
        var closures = new ClosureDays([D("2026-03-30"), D("2026-03-31"), D("2026-03-28")]);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(LondonBank.AddBusinessDays(D("2026-03-27"), 3), Is.EqualTo(D("2026-04-01")));
            Assert.That(LondonBank.AddBusinessDays(D("2026-03-27"), 3, closures), Is.EqualTo(D("2026-04-07")), "closures and Easter");
            Assert.That(LondonBank.IsBusinessDay(D("2026-03-30"), closures), Is.False);
            Assert.That(LondonBank.IsBusinessDay(D("2026-03-30")), Is.True);
            Assert.That(ClosureDays.None.Count, Is.Zero);
        }
    }

    [TestCase("2026-03-27", 1, "2026-03-30")] // Friday + 1 = Monday
    [TestCase("2026-03-28", 1, "2026-03-30")] // Saturday + 1 = Monday
    [TestCase("2026-03-29", 1, "2026-03-30")] // Sunday + 1 = Monday
    [TestCase("2026-03-27", 3, "2026-04-01")]
    [TestCase("2026-03-23", 5, "2026-03-30")] // Monday + 5 = next Monday
    [TestCase("2026-03-27", 10, "2026-04-10")]
    [TestCase("2026-12-30", 3, "2027-01-04")]
    [TestCase("2026-03-27", 0, "2026-03-27")]
    public void AddBusinessDays_does_not_count_the_starting_day(string from, int days, string expected)
    {
        Assert.That(London.AddBusinessDays(DateOnly.Parse(from, System.Globalization.CultureInfo.InvariantCulture), days),
            Is.EqualTo(DateOnly.Parse(expected, System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Test]
    public void LocalDate_uses_the_calendars_zone()
    {
        var instant = Utc(2026, 6, 5, 23, 30); // Friday 23:30 UTC

        using (Assert.EnterMultipleScope())
        {
            Assert.That(London.LocalDate(instant), Is.EqualTo(new DateOnly(2026, 6, 6))); // 00:30 BST
            Assert.That(Brussels.LocalDate(instant), Is.EqualTo(new DateOnly(2026, 6, 6))); // 01:30 CEST
            Assert.That(NewYork.LocalDate(instant), Is.EqualTo(new DateOnly(2026, 6, 5))); // 19:30 EDT
            Assert.That(London.LocalDate(Utc(2026, 1, 5, 23, 30)), Is.EqualTo(new DateOnly(2026, 1, 5))); // 23:30 GMT
        }
    }

    [Test]
    public void LocalDate_respects_the_offset_of_the_instant()
    {
        var instant = new DateTimeOffset(2026, 6, 6, 1, 0, 0, TimeSpan.FromHours(2)); // 23:00 UTC on Friday

        Assert.That(London.LocalDate(instant), Is.EqualTo(new DateOnly(2026, 6, 6)));
    }

    [TestCase(2026, 1, 15, 2026, 1, 15, 23)] // GMT
    [TestCase(2026, 7, 15, 2026, 7, 15, 22)] // BST
    [TestCase(2026, 3, 28, 2026, 3, 28, 23)] // the night the clocks go forward: midnight is still GMT
    [TestCase(2026, 3, 29, 2026, 3, 29, 22)] // the 23-hour day
    [TestCase(2026, 10, 24, 2026, 10, 24, 22)] // the night the clocks go back: midnight is still BST
    [TestCase(2026, 10, 25, 2026, 10, 25, 23)] // the 25-hour day
    [TestCase(2026, 12, 31, 2026, 12, 31, 23)]
    public void EndOfDay_in_london_is_the_tick_before_local_midnight(int y, int m, int d, int uy, int um, int ud, int uh)
    {
        var expected = Utc(uy, um, ud, uh, 59).AddSeconds(59).AddTicks(TimeSpan.TicksPerSecond - 1);

        var end = London.EndOfDay(new DateOnly(y, m, d));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(end, Is.EqualTo(expected));
            Assert.That(end.Offset, Is.EqualTo(TimeSpan.Zero));
        }
    }

    [TestCase(2026, 3, 7, 5)] // EST
    [TestCase(2026, 3, 8, 4)] // the day the clocks go forward
    [TestCase(2026, 10, 31, 4)] // EDT
    [TestCase(2026, 11, 1, 5)] // the day the clocks go back
    public void EndOfDay_in_new_york_is_the_tick_before_local_midnight(int y, int m, int d, int nextDayUtcHour)
    {
        var nextMidnightUtc = new DateTimeOffset(new DateTime(y, m, d, 0, 0, 0, DateTimeKind.Utc).AddDays(1).AddHours(nextDayUtcHour));

        Assert.That(NewYork.EndOfDay(new DateOnly(y, m, d)), Is.EqualTo(nextMidnightUtc.AddTicks(-1)));
    }

    [Test]
    public void EndOfDay_in_brussels_is_the_tick_before_local_midnight()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Brussels.EndOfDay(new DateOnly(2026, 1, 15)), Is.EqualTo(Utc(2026, 1, 15, 23).AddTicks(-1)));
            Assert.That(Brussels.EndOfDay(new DateOnly(2026, 7, 15)), Is.EqualTo(Utc(2026, 7, 15, 22).AddTicks(-1)));
        }
    }

    [Test]
    public void EndOfDay_moves_a_midnight_inside_a_dst_gap_forward()
    {
        // Santiago, Chile: on 6 September 2026 the clocks jump from 00:00 to 01:00 (-04:00 to -03:00), so the end of
        // 5 September is the tick before 01:00 local, i.e. 04:00 UTC.
        var santiago = new BusinessCalendar("America/Santiago");

        Assert.That(santiago.EndOfDay(new DateOnly(2026, 9, 5)), Is.EqualTo(Utc(2026, 9, 6, 4).AddTicks(-1)));
    }

    [Test]
    public void An_unknown_zone_is_refused_rather_than_silently_treated_as_utc()
    {
        var refused = Assert.Throws<InvalidOperationException>(() => _ = new BusinessCalendar("Not/AZone"));
        Assert.That(refused.Message, Does.Contain("Not/AZone").And.Contain("tzdata"));
    }
}
