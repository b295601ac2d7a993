using Cms.Domain.Regulation;

namespace Cms.Application.Calendar;

// The tenant's business-day calendar (its profile's public holidays plus its own closure days) and its clock settings
// (internal SLA, at-risk window). Closure days and settings are tenant data: stored under row-level security, changed
// by the tenant admin only, every change audited. They apply to deadlines computed afterwards (filing, corrections);
// deadlines already computed are not rewritten.

public sealed record PublicHolidayDto(DateOnly Date, string Name);

public sealed record ClosureDayDto(Guid Id, DateOnly Date, string Name);

/// <summary>The calendar of one year as the tenant's deadlines see it.</summary>
public sealed record CalendarDto(
    string RegulatoryProfile,
    int RegulatoryProfileVersion,
    string TimeZone,
    HolidaySchedule Holidays,
    BusinessDayBasis BusinessDays,
    int Year,
    IReadOnlyList<PublicHolidayDto> PublicHolidays,
    IReadOnlyList<ClosureDayDto> ClosureDays);

public sealed record InternalSlaDto(int Amount, ClockUnit Unit);

public sealed record ClockSettingsDto(InternalSlaDto? InternalSla, int AtRiskDays)
{
    public static ClockSettingsDto From(ClockSettings s) =>
        new(s.InternalSla is { } sla ? new InternalSlaDto(sla.Amount, sla.Unit) : null, s.AtRiskDays);
}
