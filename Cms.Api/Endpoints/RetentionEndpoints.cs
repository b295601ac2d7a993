using Cms.Api.Http;
using Cms.Application.Common;
using Cms.Application.Retention;
using Cms.Application.Retention.GetRetentionSchedule;
using Cms.Application.Retention.PreviewRetention;
using Cms.Application.Retention.SetRetentionSchedule;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Cms.Api.Endpoints;

/// <summary>The tenant's retention schedule and what the retention job erases next (docs/adr/0019-retention-schedules.md).</summary>
public static class RetentionEndpoints
{
    public static void MapRetentionEndpoints(this IEndpointRouteBuilder app)
    {
        var retention = app.MapGroup("/v1/retention").WithTags("Retention");
        retention.MapGet("/schedule", GetSchedule).WithSummary(
            "The retention schedule: days after a complaint's closure before the consumer's personal data is erased, per-profile overrides, MiFID products (tenant_admin, auditor).");
        retention.MapPut("/schedule", PutSchedule).WithSummary(
            "Replace the retention schedule {afterClosureDays, perProfile?, mifidProducts?}; the regulatory floors (e.g. FCA DISP 1.9.1R) apply whatever it says (tenant_admin).");
        retention.MapGet("/preview", Preview).WithSummary(
            "The consumers the retention job erases next, as of now (or asOf), with the rule that made each due; keyset paged by consumer id (tenant_admin).");
    }

    private static async Task<Results<Ok<RetentionScheduleDto>, ProblemHttpResult>> GetSchedule(ISender sender, CancellationToken ct) =>
        Responses.Ok(await sender.Send(new GetRetentionScheduleQuery(), ct));

    private static async Task<Results<Ok<RetentionScheduleDto>, ProblemHttpResult>> PutSchedule(SetRetentionScheduleCommand body, ISender sender,
        CancellationToken ct) =>
        Responses.Ok(await sender.Send(body, ct));

    private static async Task<Results<Ok<Page<RetentionPreviewItemDto>>, ProblemHttpResult>> Preview(DateTimeOffset? asOf, int? limit, string? cursor,
        ISender sender, CancellationToken ct) =>
        Responses.Ok(await sender.Send(new PreviewRetentionQuery(asOf, limit, cursor), ct));
}
