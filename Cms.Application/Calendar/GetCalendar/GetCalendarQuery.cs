using Cms.Application.Abstractions;
using Cms.Application.Common;
using Cms.Domain.Common;
using Cms.Domain.Regulation;
using Mediator;

namespace Cms.Application.Calendar.GetCalendar;

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

internal sealed class GetCalendarHandler(ITenantRepository tenants, ICalendarQueries calendar, TenantScope scope, TimeProvider clock)
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
