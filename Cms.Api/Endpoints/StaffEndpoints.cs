using System.ComponentModel.DataAnnotations;
using Cms.Api.Http;
using Cms.Application.Common;
using Cms.Application.Queues;
using Cms.Application.Queues.ReplaceStaffQueues;
using Cms.Application.Staff;
using Cms.Application.Staff.AddStaff;
using Cms.Application.Staff.DeactivateStaff;
using Cms.Application.Staff.GetStaff;
using Cms.Application.Staff.ListStaff;
using Cms.Application.Staff.ReplaceStaffRoles;
using Cms.Domain.Staff;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Cms.Api.Endpoints;

public static class StaffEndpoints
{
    public sealed record ReplaceRolesBody([Required] IReadOnlyList<Role>? Roles);

    public sealed record ReplaceQueuesBody([Required] IReadOnlyList<string>? Queues);

    public static void MapStaffEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/staff").WithTags("Staff");
        group.MapPost("/", Add).WithIdempotency().WithSummary("Add a staff user or a service account (tenant_admin).");
        group.MapGet("/", List).WithSummary("List staff, keyset paged (tenant_admin, supervisor).");
        group.MapGet("/{id}", Get).WithSummary("One staff member or service account, with its ETag (tenant_admin, supervisor).");
        group.MapPut("/{id}/roles", ReplaceRoles).WithSummary("Replace a staff member's roles (tenant_admin; If-Match optional).").AcceptsIfMatch();
        group.MapPut("/{id}/queues", ReplaceQueues)
            .WithSummary("Replace the queues a staff member works, by code (tenant_admin, supervisor; If-Match optional).").AcceptsIfMatch();
        group.MapPost("/{id}/deactivate", Deactivate).WithSummary("Deactivate a staff member (tenant_admin; If-Match optional).").AcceptsIfMatch();
    }

    private static async Task<Results<Created<StaffDto>, ProblemHttpResult>> Add(AddStaffCommand body, ISender sender, CancellationToken ct) =>
        Responses.Created(await sender.Send(body, ct), s => $"/v1/staff/{s.Id}");

    private static async Task<Results<Ok<StaffDto>, ProblemHttpResult>> Get(Guid id, ISender sender, CancellationToken ct) =>
        Responses.Ok(await sender.Send(new GetStaffQuery(id), ct));

    private static async Task<Results<Ok<Page<StaffDto>>, ProblemHttpResult>> List(int? limit, string? cursor, ISender sender,
        CancellationToken ct) =>
        Responses.Ok(await sender.Send(new ListStaffQuery(limit, cursor), ct));

    private static async Task<Results<Ok<StaffDto>, ProblemHttpResult>> ReplaceRoles(Guid id, ReplaceRolesBody body, HttpRequest request,
        ISender sender, CancellationToken ct)
    {
        var ifMatch = Responses.OptionalIfMatch(request);
        return ifMatch.IsSuccess
            ? Responses.Ok(await sender.Send(new ReplaceStaffRolesCommand(id, body.Roles, ifMatch.Value), ct))
            : Problems.From(ifMatch.Error);
    }

    private static async Task<Results<Ok<StaffQueuesDto>, ProblemHttpResult>> ReplaceQueues(Guid id, ReplaceQueuesBody body,
        HttpRequest request, ISender sender, CancellationToken ct)
    {
        var ifMatch = Responses.OptionalIfMatch(request);
        return ifMatch.IsSuccess
            ? Responses.Ok(await sender.Send(new ReplaceStaffQueuesCommand(id, body.Queues, ifMatch.Value), ct))
            : Problems.From(ifMatch.Error);
    }

    private static async Task<Results<Ok<StaffDto>, ProblemHttpResult>> Deactivate(Guid id, HttpRequest request, ISender sender,
        CancellationToken ct)
    {
        var ifMatch = Responses.OptionalIfMatch(request);
        return ifMatch.IsSuccess
            ? Responses.Ok(await sender.Send(new DeactivateStaffCommand(id, ifMatch.Value), ct))
            : Problems.From(ifMatch.Error);
    }
}
