using System.Globalization;
using Cms.Domain.Regulation;

namespace Cms.Tests.Domain;

/// <summary>
/// The computed holiday calendars against the published lists: England and Wales bank holidays as listed on
/// gov.uk/bank-holidays, US federal holidays (observed dates) as listed by the Office of Personnel Management.
/// </summary>
public sealed class PublicHolidayTests
{
    private static DateOnly D(string iso) => DateOnly.ParseExact(iso, "yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static readonly Dictionary<int, string[]> EnglandAndWales = new()
    {
        [2019] = ["2019-01-01", "2019-04-19", "2019-04-22", "2019-05-06", "2019-05-27", "2019-08-26", "2019-12-25", "2019-12-26"],
        [2020] = ["2020-01-01", "2020-04-10", "2020-04-13", "2020-05-08", "2020-05-25", "2020-08-31", "2020-12-25", "2020-12-28"],
        [2021] = ["2021-01-01", "2021-04-02", "2021-04-05", "2021-05-03", "2021-05-31", "2021-08-30", "2021-12-27", "2021-12-28"],
        [2022] = ["2022-01-03", "2022-04-15", "2022-04-18", "2022-05-02", "2022-06-02", "2022-06-03", "2022-08-29", "2022-09-19", "2022-12-26", "2022-12-27"],
        [2023] = ["2023-01-02", "2023-04-07", "2023-04-10", "2023-05-01", "2023-05-08", "2023-05-29", "2023-08-28", "2023-12-25", "2023-12-26"],
        [2024] = ["2024-01-01", "2024-03-29", "2024-04-01", "2024-05-06", "2024-05-27", "2024-08-26", "2024-12-25", "2024-12-26"],
        [2025] = ["2025-01-01", "2025-04-18", "2025-04-21", "2025-05-05", "2025-05-26", "2025-08-25", "2025-12-25", "2025-12-26"],
        [2026] = ["2026-01-01", "2026-04-03", "2026-04-06", "2026-05-04", "2026-05-25", "2026-08-31", "2026-12-25", "2026-12-28"],
        [2027] = ["2027-01-01", "2027-03-26", "2027-03-29", "2027-05-03", "2027-05-31", "2027-08-30", "2027-12-27", "2027-12-28"],
    };

    private static readonly Dictionary<int, string[]> UsFederal = new()
    {
        [2019] = ["2019-01-01", "2019-01-21", "2019-02-18", "2019-05-27", "2019-07-04", "2019-09-02", "2019-10-14", "2019-11-11", "2019-11-28", "2019-12-25"],
        [2020] = ["2020-01-01", "2020-01-20", "2020-02-17", "2020-05-25", "2020-07-03", "2020-09-07", "2020-10-12", "2020-11-11", "2020-11-26", "2020-12-25"],
        [2021] = ["2021-01-01", "2021-01-18", "2021-02-15", "2021-05-31", "2021-06-18", "2021-07-05", "2021-09-06", "2021-10-11", "2021-11-11", "2021-11-25", "2021-12-24", "2021-12-31"],
        [2022] = ["2022-01-17", "2022-02-21", "2022-05-30", "2022-06-20", "2022-07-04", "2022-09-05", "2022-10-10", "2022-11-11", "2022-11-24", "2022-12-26"],
        [2023] = ["2023-01-02", "2023-01-16", "2023-02-20", "2023-05-29", "2023-06-19", "2023-07-04", "2023-09-04", "2023-10-09", "2023-11-10", "2023-11-23", "2023-12-25"],
        [2024] = ["2024-01-01", "2024-01-15", "2024-02-19", "2024-05-27", "2024-06-19", "2024-07-04", "2024-09-02", "2024-10-14", "2024-11-11", "2024-11-28", "2024-12-25"],
        [2025] = ["2025-01-01", "2025-01-20", "2025-02-17", "2025-05-26", "2025-06-19", "2025-07-04", "2025-09-01", "2025-10-13", "2025-11-11", "2025-11-27", "2025-12-25"],
        [2026] = ["2026-01-01", "2026-01-19", "2026-02-16", "2026-05-25", "2026-06-19", "2026-07-03", "2026-09-07", "2026-10-12", "2026-11-11", "2026-11-26", "2026-12-25"],
        [2027] = ["2027-01-01", "2027-01-18", "2027-02-15", "2027-05-31", "2027-06-18", "2027-07-05", "2027-09-06", "2027-10-11", "2027-11-11", "2027-11-25", "2027-12-24", "2027-12-31"],
    };

    private static IEnumerable<int> Years => Enumerable.Range(2019, 9);

    [TestCaseSource(nameof(Years))]
    public void England_and_wales_bank_holidays_match_the_published_list(int year)
    {
        var computed = PublicHolidays.In(HolidaySchedule.EnglandAndWales, year).Select(h => h.Date);

        Assert.That(computed, Is.EqualTo(EnglandAndWales[year].Select(D)));
    }

    [TestCaseSource(nameof(Years))]
    public void Us_federal_holidays_match_the_published_observed_dates(int year)
    {
        var computed = PublicHolidays.In(HolidaySchedule.UsFederal, year).Select(h => h.Date);

        Assert.That(computed, Is.EqualTo(UsFederal[year].Select(D)));
    }

    [TestCase(2019, "2019-04-21")]
    [TestCase(2020, "2020-04-12")]
    [TestCase(2021, "2021-04-04")]
    [TestCase(2022, "2022-04-17")]
    [TestCase(2023, "2023-04-09")]
    [TestCase(2024, "2024-03-31")]
    [TestCase(2025, "2025-04-20")]
    [TestCase(2026, "2026-04-05")]
    [TestCase(2027, "2027-03-28")]
    [TestCase(2038, "2038-04-25")] // the latest possible date
    [TestCase(2285, "2285-03-22")] // the earliest possible date
    [TestCase(1818, "1818-03-22")]
    public void Easter_sunday_by_computus(int year, string expected)
    {
        Assert.That(PublicHolidays.EasterSunday(year), Is.EqualTo(D(expected)));
    }

    [Test]
    public void Substitute_days_are_named()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(PublicHolidays.NameOf(HolidaySchedule.EnglandAndWales, D("2022-01-03")), Is.EqualTo("New Year's Day (substitute day)"));
            Assert.That(PublicHolidays.NameOf(HolidaySchedule.EnglandAndWales, D("2022-12-26")), Is.EqualTo("Boxing Day"));
            Assert.That(PublicHolidays.NameOf(HolidaySchedule.EnglandAndWales, D("2022-12-27")), Is.EqualTo("Christmas Day (substitute day)"));
            Assert.That(PublicHolidays.NameOf(HolidaySchedule.EnglandAndWales, D("2021-12-28")), Is.EqualTo("Boxing Day (substitute day)"));
            Assert.That(PublicHolidays.NameOf(HolidaySchedule.EnglandAndWales, D("2022-09-19")), Does.Contain("State Funeral"));
            Assert.That(PublicHolidays.NameOf(HolidaySchedule.EnglandAndWales, D("2020-05-08")), Does.Contain("VE Day"));
            Assert.That(PublicHolidays.NameOf(HolidaySchedule.EnglandAndWales, D("2020-05-04")), Is.Null, "moved to 8 May in 2020");
            Assert.That(PublicHolidays.NameOf(HolidaySchedule.UsFederal, D("2021-12-31")), Is.EqualTo("New Year's Day (observed)"));
            Assert.That(PublicHolidays.NameOf(HolidaySchedule.UsFederal, D("2021-06-18")), Is.EqualTo("Juneteenth National Independence Day (observed)"));
            Assert.That(PublicHolidays.NameOf(HolidaySchedule.UsFederal, D("2020-06-19")), Is.Null, "Juneteenth is a federal holiday from 2021");
            Assert.That(PublicHolidays.NameOf(HolidaySchedule.None, D("2026-12-25")), Is.Null);
        }
    }

    [Test]
    public void Every_computed_holiday_is_a_weekday_and_fixed_holidays_recur_every_year_from_1980_to_2100()
    {
        for (var year = 1980; year <= 2100; year++)
        {
            var uk = PublicHolidays.In(HolidaySchedule.EnglandAndWales, year);
            var us = PublicHolidays.In(HolidaySchedule.UsFederal, year);
            Assert.That(uk.Concat(us).Where(h => BusinessCalendar.IsWeekend(h.Date)), Is.Empty, $"{year}");
            Assert.That(uk.Select(h => h.Date), Is.Unique, $"{year}");
            Assert.That(uk, Has.Count.InRange(8, 10), $"{year}");
            Assert.That(us.Count(h => h.Name.StartsWith("Christmas Day", StringComparison.Ordinal)), Is.EqualTo(1), $"{year}");
            Assert.That(us.Count(h => h.Name.StartsWith("Thanksgiving", StringComparison.Ordinal)), Is.EqualTo(1), $"{year}");
        }
    }
}
