using Cms.Api.Http;
using Cms.Application.Common;
using Cms.Application.Tenants;
using Cms.Application.Tenants.CreateTenant;
using Cms.Application.Tenants.GetTenant;
using Cms.Application.Tenants.ListTenants;
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

    private static async Task<Results<Ok<TenantDto>, ProblemHttpResult>> Get(Guid id, ISender sender, CancellationToken ct) =>
        Responses.Ok(await sender.Send(new GetTenantQuery(id), ct));
}
