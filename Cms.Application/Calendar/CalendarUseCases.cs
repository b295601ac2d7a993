using Cms.Application.Abstractions;
using Cms.Application.Audit;
using Cms.Application.Common;
using Cms.Domain.Common;
using Cms.Domain.Regulation;
using Mediator;

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

/// <summary>Read side of the calendar.</summary>
public interface ICalendarQueries
{
    Task<IReadOnlyList<ClosureDayDto>> ListClosureDaysAsync(DateOnly from, DateOnly to, CancellationToken cancellationToken);
}

// ---- GET /v1/calendar?year= ------------------------------------------------------------------------------------

public sealed record GetCalendarQuery(int? Year) : IQuery<Result<CalendarDto>>, IUseCaseMessage
{
    UseCase IUseCaseMessage.UseCase => UseCase.GetCalendar;
}

public sealed class GetCalendarValidator : IValidator<GetCalendarQuery>
{
    public void Validate(GetCalendarQuery request, ValidationErrors errors)
    {
        if (request.Year is { } year && (year < ClosureDay.Earliest.Year || year > ClosureDay.Latest.Year))
        {
            errors.Add("year", $"'year' must be between {ClosureDay.Earliest.Year} and {ClosureDay.Latest.Year}.");
        }
    }
}

public sealed class GetCalendarHandler(ITenantRepository tenants, ICalendarQueries calendar, TenantScope scope, TimeProvider clock)
    : IQueryHandler<GetCalendarQuery, Result<CalendarDto>>
{
    public async ValueTask<Result<CalendarDto>> Handle(GetCalendarQuery query, CancellationToken cancellationToken)
    {
        var tenant = await tenants.GetAsync(scope.Required, cancellationToken)
                     ?? throw new InvalidOperationException("The caller's tenant does not exist.");
        var profile = tenant.Profile;
        var year = query.Year ?? profile.Calendar.LocalDate(clock.GetUtcNow()).Year;
        var closures = await calendar.ListClosureDaysAsync(new DateOnly(year, 1, 1), new DateOnly(year, 12, 31), cancellationToken);
        return new CalendarDto(profile.Code, profile.Version, profile.Calendar.TimeZoneId, profile.Calendar.Holidays, profile.BusinessDays, year,
            [.. PublicHolidays.In(profile.Calendar.Holidays, year).Select(h => new PublicHolidayDto(h.Date, h.Name))], closures);
    }
}

// ---- PUT /v1/calendar/closure-days/{date} ----------------------------------------------------------------------

public sealed record SetClosureDayCommand(DateOnly Date, string? Name) : ICommand<Result<ClosureDayDto>>, IUseCaseMessage
{
    UseCase IUseCaseMessage.UseCase => UseCase.SetClosureDay;
}

public sealed class SetClosureDayValidator : IValidator<SetClosureDayCommand>
{
    public void Validate(SetClosureDayCommand request, ValidationErrors errors)
    {
        if (ClosureDay.Check(request.Date, request.Name) is { Fields: { } fields })
        {
            foreach (var (field, messages) in fields)
            {
                foreach (var message in messages)
                {
                    errors.Add(field, message);
                }
            }
        }
    }
}

public sealed class SetClosureDayHandler(ITenantClockRepository clocks, TenantScope scope, AuditTrail audit, TimeProvider clock)
    : ICommandHandler<SetClosureDayCommand, Result<ClosureDayDto>>
{
    public async ValueTask<Result<ClosureDayDto>> Handle(SetClosureDayCommand command, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var name = command.Name!.Trim();
        var existing = await clocks.GetClosureDayAsync(command.Date, cancellationToken);
        ClosureDay day;
        if (existing is null)
        {
            day = new ClosureDay(Ids.New(), scope.Required, command.Date, name, true, now);
            await clocks.AddClosureDayAsync(day, cancellationToken);
            await audit.RecordAsync("calendar.closure_day_added", AuditTrail.ClosureDay, day.Id, ["date", "name"], cancellationToken);
        }
        else if (!existing.Active || existing.Name != name)
        {
            day = existing with { Name = name, Active = true, UpdatedAt = now };
            await clocks.UpdateClosureDayAsync(day, cancellationToken);
            await audit.RecordAsync(existing.Active ? "calendar.closure_day_renamed" : "calendar.closure_day_added", AuditTrail.ClosureDay, day.Id,
                existing.Active ? ["name"] : ["active", "name"], cancellationToken);
        }
        else
        {
            day = existing;
        }

        return new ClosureDayDto(day.Id, day.Date, day.Name);
    }
}

// ---- DELETE /v1/calendar/closure-days/{date} -------------------------------------------------------------------

public sealed record RemoveClosureDayCommand(DateOnly Date) : ICommand<Result>, IUseCaseMessage
{
    UseCase IUseCaseMessage.UseCase => UseCase.RemoveClosureDay;
}

public sealed class RemoveClosureDayHandler(ITenantClockRepository clocks, AuditTrail audit, TimeProvider clock)
    : ICommandHandler<RemoveClosureDayCommand, Result>
{
    public async ValueTask<Result> Handle(RemoveClosureDayCommand command, CancellationToken cancellationToken)
    {
        var existing = await clocks.GetClosureDayAsync(command.Date, cancellationToken);
        if (existing is not { Active: true })
        {
            return Error.NotFound("closure day");
        }

        await clocks.UpdateClosureDayAsync(existing with { Active = false, UpdatedAt = clock.GetUtcNow() }, cancellationToken);
        await audit.RecordAsync("calendar.closure_day_removed", AuditTrail.ClosureDay, existing.Id, ["active"], cancellationToken);
        return Result.Success();
    }
}

// ---- GET / PUT /v1/settings/clocks -----------------------------------------------------------------------------

public sealed record GetClockSettingsQuery : IQuery<Result<ClockSettingsDto>>, IUseCaseMessage
{
    UseCase IUseCaseMessage.UseCase => UseCase.GetClockSettings;
}

public sealed class GetClockSettingsHandler(ITenantClockRepository clocks) : IQueryHandler<GetClockSettingsQuery, Result<ClockSettingsDto>>
{
    public async ValueTask<Result<ClockSettingsDto>> Handle(GetClockSettingsQuery query, CancellationToken cancellationToken) =>
        ClockSettingsDto.From(await clocks.GetSettingsAsync(cancellationToken));
}

/// <summary>Replaces the tenant's clock settings; <paramref name="InternalSla"/> null means no internal SLA.</summary>
public sealed record UpdateClockSettingsCommand(InternalSlaDto? InternalSla, int? AtRiskDays) : ICommand<Result<ClockSettingsDto>>, IUseCaseMessage
{
    UseCase IUseCaseMessage.UseCase => UseCase.UpdateClockSettings;
}

public sealed class UpdateClockSettingsValidator : IValidator<UpdateClockSettingsCommand>
{
    public void Validate(UpdateClockSettingsCommand request, ValidationErrors errors)
    {
        if (request.InternalSla is { } sla)
        {
            if (sla.Amount < 1 || sla.Amount > Domain.Regulation.InternalSla.MaxDays)
            {
                errors.Add("internalSla.amount", $"'internalSla.amount' must be between 1 and {Domain.Regulation.InternalSla.MaxDays}.");
            }

            errors.Defined("internalSla.unit", (ClockUnit?)sla.Unit);
        }

        if (request.AtRiskDays is { } days && (days < 0 || days > ClockSettings.MaxAtRiskDays))
        {
            errors.Add("atRiskDays", $"'atRiskDays' must be between 0 and {ClockSettings.MaxAtRiskDays}.");
        }
    }
}

public sealed class UpdateClockSettingsHandler(ITenantClockRepository clocks, TenantScope scope, AuditTrail audit, TimeProvider clock)
    : ICommandHandler<UpdateClockSettingsCommand, Result<ClockSettingsDto>>
{
    public async ValueTask<Result<ClockSettingsDto>> Handle(UpdateClockSettingsCommand command, CancellationToken cancellationToken)
    {
        var before = await clocks.GetSettingsAsync(cancellationToken);
        var after = new ClockSettings(command.InternalSla is { } sla ? new InternalSla(sla.Amount, sla.Unit) : null,
            command.AtRiskDays ?? before.AtRiskDays);
        if (after != before)
        {
            await clocks.SaveSettingsAsync(after, clock.GetUtcNow(), cancellationToken);
            List<string> changed = [];
            if (after.InternalSla != before.InternalSla)
            {
                changed.Add("internalSla");
            }

            if (after.AtRiskDays != before.AtRiskDays)
            {
                changed.Add("atRiskDays");
            }

            await audit.RecordAsync("settings.clocks_updated", AuditTrail.Tenant, scope.Required, changed, cancellationToken);
        }

        return ClockSettingsDto.From(after);
    }
}
