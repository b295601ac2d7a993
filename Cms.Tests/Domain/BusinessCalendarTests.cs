using Cms.Domain.Regulation;

namespace Cms.Tests.Domain;

public sealed class BusinessCalendarTests
{
    private static readonly BusinessCalendar London = new("Europe/London");
    private static readonly BusinessCalendar Brussels = new("Europe/Brussels");
    private static readonly BusinessCalendar NewYork = new("America/New_York");

    private static DateTimeOffset Utc(int y, int mo, int d, int h, int mi = 0) => new(y, mo, d, h, mi, 0, TimeSpan.Zero);

    [TestCase(2026, 3, 23, true)] // Monday
    [TestCase(2026, 3, 27, true)] // Friday
    [TestCase(2026, 3, 28, false)] // Saturday
    [TestCase(2026, 3, 29, false)] // Sunday
    [TestCase(2027, 1, 1, true)] // a Friday; public holidays are not modelled yet
    public void Business_days_are_monday_to_friday(int y, int m, int d, bool expected)
    {
        Assert.That(BusinessCalendar.IsBusinessDay(new DateOnly(y, m, d)), Is.EqualTo(expected));
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
        Assert.That(BusinessCalendar.AddBusinessDays(DateOnly.Parse(from, System.Globalization.CultureInfo.InvariantCulture), days),
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
