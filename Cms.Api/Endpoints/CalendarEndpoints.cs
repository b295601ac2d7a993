using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Cms.Api.Http;
using Cms.Application.Calendar;
using Cms.Application.Calendar.GetCalendar;
using Cms.Application.Calendar.GetClockSettings;
using Cms.Application.Calendar.RemoveClosureDay;
using Cms.Application.Calendar.SetClosureDay;
using Cms.Application.Calendar.UpdateClockSettings;
using Cms.Domain.Common;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Cms.Api.Endpoints;

/// <summary>The tenant's business-day calendar (public holidays of its profile, its own closure days) and clock settings.</summary>
public static class CalendarEndpoints
{
    public sealed record ClosureDayBody([Required] string? Name);

    public static void MapCalendarEndpoints(this IEndpointRouteBuilder app)
    {
        var calendar = app.MapGroup("/v1/calendar").WithTags("Calendar");
        calendar.MapGet("/", Get).WithSummary(
            "The year's calendar the tenant's deadlines use: profile, time zone, public holidays (computed by rule) and closure days (agent+, auditor).");
        calendar.MapPut("/closure-days/{date}", SetClosureDay).WithSummary(
            "Add (or rename) a closure day, yyyy-MM-dd; it counts for deadlines computed afterwards where business days are the firm's open days (tenant_admin).");
        calendar.MapDelete("/closure-days/{date}", RemoveClosureDay).WithSummary("Remove a closure day (tenant_admin).");

        var settings = app.MapGroup("/v1/settings/clocks").WithTags("Calendar");
        settings.MapGet("/", GetSettings).WithSummary("The internal SLA and at-risk window (agent+, auditor).");
        settings.MapPut("/", PutSettings).WithSummary(
            "Replace the internal SLA ({amount, unit: business_days | calendar_days} or null) and the at-risk window in days (tenant_admin).");
    }

    private static async Task<Results<Ok<CalendarDto>, ProblemHttpResult>> Get(int? year, ISender sender, CancellationToken ct) =>
        Responses.Ok(await sender.Send(new GetCalendarQuery(year), ct));

    private static async Task<Results<Ok<ClosureDayDto>, ProblemHttpResult>> SetClosureDay(string date, ClosureDayBody body, ISender sender,
        CancellationToken ct) =>
        ParseDate(date) is { } day
            ? Responses.Ok(await sender.Send(new SetClosureDayCommand(day, body.Name), ct))
            : BadDate();

    private static async Task<Results<NoContent, ProblemHttpResult>> RemoveClosureDay(string date, ISender sender, CancellationToken ct)
    {
        if (ParseDate(date) is not { } day)
        {
            return BadDate();
        }

        var result = await sender.Send(new RemoveClosureDayCommand(day), ct);
        return result.IsSuccess ? TypedResults.NoContent() : Problems.From(result.Error);
    }

    private static async Task<Results<Ok<ClockSettingsDto>, ProblemHttpResult>> GetSettings(ISender sender, CancellationToken ct) =>
        Responses.Ok(await sender.Send(new GetClockSettingsQuery(), ct));

    private static async Task<Results<Ok<ClockSettingsDto>, ProblemHttpResult>> PutSettings(UpdateClockSettingsCommand body, ISender sender,
        CancellationToken ct) =>
        Responses.Ok(await sender.Send(body, ct));

    private static DateOnly? ParseDate(string text) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day) ? day : null;

    private static ProblemHttpResult BadDate() => Problems.From(Error.Validation("date", "'date' must be a calendar date, yyyy-MM-dd."));
}
