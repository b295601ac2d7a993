using Cms.Api.Http;
using Cms.Application.Common;
using Cms.Application.PlatformAudit.VerifyPlatformAudit;
using Cms.Application.Tenants;
using Cms.Application.Tenants.CreateTenant;
using Cms.Application.Tenants.ExportTenant;
using Cms.Application.Tenants.GetTenant;
using Cms.Application.Tenants.GetTenantOffboarding;
using Cms.Application.Tenants.ListTenants;
using Cms.Application.Tenants.OffboardTenant;
using Cms.Application.Tenants.ReactivateTenant;
using Cms.Application.Tenants.SuspendTenant;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Cms.Api.Endpoints;

public static class TenantEndpoints
{
    public static void MapTenantEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/tenants").WithTags("Tenants");
        group.MapPost("/", Create).WithIdempotency().WithSummary("Create a tenant with its first tenant admin (platform operators).");
        group.MapGet("/", List).WithSummary("The platform's tenants in id order, keyset paged; ?name= finds a tenant by exact name (platform operators).");
        group.MapGet("/{id}", Get).WithSummary("A tenant's summary, without tenant data (platform operators).");
        group.MapPost("/{id}/suspend", Suspend)
            .WithSummary("Suspend a tenant {reason}: its principals get 403 tenant.suspended, its webhooks and jobs pause, nothing is deleted (platform operators).");
        group.MapPost("/{id}/reactivate", Reactivate).WithSummary("End a tenant's suspension {reason} (platform operators).");
        group.MapPost("/{id}/export", Export)
            .WithSummary("The tenant's complete data, streamed as NDJSON: every table's rows, then a manifest with each table's row count and SHA-256; personal data sealed unless ?decryptPersonalData=true on a suspended tenant (platform operators).")
            .Produces<TenantExportStream>(StatusCodes.Status200OK, NdjsonMediaType)
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        group.MapDelete("/{id}", Offboard)
            .WithSummary("Delete a suspended, exported tenant (or ?withoutExport=true&reason=...): its keys are destroyed first, then its rows in batches; 202 with the status resource (platform operators).")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        group.MapGet("/{id}/offboarding", Offboarding)
            .WithSummary("The progress of a tenant's deletion (platform operators).")
            .ProducesProblem(StatusCodes.Status404NotFound);
        app.MapGroup("/v1/platform-audit").WithTags("Tenants").MapGet("/verify", VerifyPlatformAudit)
            .WithSummary("Verify the platform audit chain (platform operators' actions on tenants) (platform operators).");
    }

    private static async Task<Results<Created<TenantDto>, ProblemHttpResult>> Create(CreateTenantCommand body, ISender sender,
        CancellationToken ct) =>
        Responses.Created(await sender.Send(body, ct), t => $"/v1/tenants/{t.Id}");

    private static async Task<Results<Ok<Page<TenantDto>>, ProblemHttpResult>> List(string? name, int? limit, string? cursor,
        ISender sender, CancellationToken ct) =>
        Responses.Ok(await sender.Send(new ListTenantsQuery(name, limit, cursor), ct));

    private static async Task<Results<Ok<TenantDto>, ProblemHttpResult>> Suspend(Guid id, TenantStatusChangeInput body, ISender sender,
        CancellationToken ct) =>
        Responses.Ok(await sender.Send(new SuspendTenantCommand(id, body.Reason), ct));

    private static async Task<Results<Ok<TenantDto>, ProblemHttpResult>> Reactivate(Guid id, TenantStatusChangeInput body, ISender sender,
        CancellationToken ct) =>
        Responses.Ok(await sender.Send(new ReactivateTenantCommand(id, body.Reason), ct));

    public const string NdjsonMediaType = "application/x-ndjson";

    /// <summary>The export's body as the OpenAPI document shows it: NDJSON lines (docs/adr/0018-tenant-offboarding.md).</summary>
    public sealed record TenantExportStream(string Ndjson);

    private static async Task<Results<PushStreamHttpResult, ProblemHttpResult>> Export(Guid id, bool? decryptPersonalData, ISender sender,
        ITenantExporter exporter, CancellationToken ct)
    {
        var ticket = await sender.Send(new ExportTenantCommand(id, decryptPersonalData ?? false), ct);
        if (!ticket.IsSuccess)
        {
            return Problems.From(ticket.Error);
        }

        return TypedResults.Stream(stream => exporter.WriteAsync(ticket.Value, stream, ct), NdjsonMediaType, $"tenant-{id:D}.ndjson");
    }

    private static async Task<Results<Accepted<TenantOffboardingDto>, ProblemHttpResult>> Offboard(Guid id, bool? withoutExport, string? reason,
        ISender sender, CancellationToken ct)
    {
        var result = await sender.Send(new OffboardTenantCommand(id, withoutExport ?? false, reason), ct);
        return result.IsSuccess ? TypedResults.Accepted($"/v1/tenants/{id:D}/offboarding", result.Value) : Problems.From(result.Error);
    }

    private static async Task<Results<Ok<TenantOffboardingDto>, ProblemHttpResult>> Offboarding(Guid id, ISender sender, CancellationToken ct) =>
        Responses.Ok(await sender.Send(new GetTenantOffboardingQuery(id), ct));

    private static async Task<Results<Ok<PlatformAuditVerificationDto>, ProblemHttpResult>> VerifyPlatformAudit(ISender sender, CancellationToken ct) =>
        Responses.Ok(await sender.Send(new VerifyPlatformAuditQuery(), ct));

    private static async Task<Results<Ok<TenantDto>, ProblemHttpResult>> Get(Guid id, ISender sender, CancellationToken ct) =>
        Responses.Ok(await sender.Send(new GetTenantQuery(id), ct));
}
