using Cms.Api.Http;
using Cms.Application.Audit;
using Cms.Application.Audit.ListAudit;
using Cms.Application.Common;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Cms.Api.Endpoints;

public static class AuditEndpoints
{
    public static void MapAuditEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/v1/audit").WithTags("Audit")
            .MapGet("/", List).WithSummary("The tenant's audit trail, oldest first, keyset paged (auditor, tenant_admin).");
    }

    private static async Task<Results<Ok<Page<AuditEntryDto>>, ProblemHttpResult>> List(int? limit, string? cursor, ISender sender,
        CancellationToken ct) =>
        Responses.Ok(await sender.Send(new ListAuditQuery(limit, cursor), ct));
}
