using System.Globalization;
using Cms.Application.Abstractions;
using Cms.Application.Common;
using Cms.Domain.Common;
using Mediator;

namespace Cms.Application.Reports.GetComplaintsReport;

/// <summary>
/// The regulator's return for the days <paramref name="From"/> to <paramref name="To"/> (inclusive, yyyy-MM-dd) in the
/// tenant's regulatory time zone. Every figure is an aggregate computed by the database.
/// </summary>
public sealed record GetComplaintsReportQuery(string? From, string? To) : IQuery<Result<ComplaintsReportDto>>, IUseCaseMessage
{
    /// <summary>The longest period one return covers (two years and a day, for leap years).</summary>
    public const int MaxDays = 731;

    UseCase IUseCaseMessage.UseCase => UseCase.GetComplaintsReport;

    public static bool TryParseDay(string? text, out DateOnly day) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out day);
}

public sealed class GetComplaintsReportValidator : IValidator<GetComplaintsReportQuery>
{
    public void Validate(GetComplaintsReportQuery request, ValidationErrors errors)
    {
        var from = Day("from", request.From, errors);
        var to = Day("to", request.To, errors);
        if (from is { } f && to is { } t)
        {
            if (t < f)
            {
                errors.Add("to", "'to' must not be before 'from'.");
            }
            else if (t.DayNumber - f.DayNumber + 1 > GetComplaintsReportQuery.MaxDays)
            {
                errors.Add("to", $"A return covers at most {GetComplaintsReportQuery.MaxDays} days.");
            }
        }
    }

    private static DateOnly? Day(string field, string? text, ValidationErrors errors)
    {
        if (GetComplaintsReportQuery.TryParseDay(text, out var day))
        {
            // A day given as text meets the same bounds as every date of every request (InputGuard).
            if (InputGuard.IsComputable(day))
            {
                return day;
            }

            errors.Add(field, InputGuard.DateRangeMessage(field));
            return null;
        }

        errors.Add(field, $"'{field}' is required: a date as yyyy-MM-dd (the period's days are inclusive, in the tenant's regulatory time zone).");
        return null;
    }
}

internal sealed class GetComplaintsReportHandler(ITenantRepository tenants, TenantScope scope, IComplaintReportQueries report)
    : IQueryHandler<GetComplaintsReportQuery, Result<ComplaintsReportDto>>
{
    public async ValueTask<Result<ComplaintsReportDto>> Handle(GetComplaintsReportQuery query, CancellationToken cancellationToken)
    {
        GetComplaintsReportQuery.TryParseDay(query.From, out var from);
        GetComplaintsReportQuery.TryParseDay(query.To, out var to);
        var tenant = await tenants.GetAsync(scope.Required, cancellationToken)
                     ?? throw new InvalidOperationException("The caller's tenant does not exist.");
        var calendar = tenant.Profile.Calendar;

        // [start of the first day, start of the day after the last) in local time.
        var start = calendar.EndOfDay(from.AddDays(-1)).AddTicks(1);
        var end = calendar.EndOfDay(to).AddTicks(1);

        return new ComplaintsReportDto(from, to, calendar.TimeZoneId, start, end,
            await report.TotalsAsync(start, end, cancellationToken),
            await report.ByProductAsync(start, end, cancellationToken),
            await report.ByRootCauseAsync(start, end, cancellationToken),
            await report.VulnerabilityAsync(start, end, cancellationToken),
            await report.ReliefAsync(start, end, cancellationToken),
            await report.DisabilityAsync(start, end, cancellationToken));
    }
}
