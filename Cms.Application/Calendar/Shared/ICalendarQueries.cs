namespace Cms.Application.Calendar;

/// <summary>Read side of the calendar.</summary>
public interface ICalendarQueries
{
    Task<IReadOnlyList<ClosureDayDto>> ListClosureDaysAsync(DateOnly from, DateOnly to, CancellationToken cancellationToken);
}
