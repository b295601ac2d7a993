using Cms.Api.Http;
using Cms.Application.Audit;
using Cms.Application.Audit.ListAudit;
using Cms.Application.Audit.VerifyAuditChain;
using Cms.Application.Common;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Cms.Api.Endpoints;

public static class AuditEndpoints
{
    public static void MapAuditEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/audit").WithTags("Audit");
        group.MapGet("/", List).WithSummary("The tenant's audit trail, oldest first, keyset paged (auditor, tenant_admin).");
        group.MapGet("/verify", Verify).WithSummary("Walk the tenant's audit hash chain and name the first broken entry (auditor).");
    }

    private static async Task<Results<Ok<AuditVerificationDto>, ProblemHttpResult>> Verify(ISender sender, CancellationToken ct) =>
        Responses.Ok(await sender.Send(new VerifyAuditChainQuery(), ct));

    private static async Task<Results<Ok<Page<AuditEntryDto>>, ProblemHttpResult>> List(int? limit, string? cursor, ISender sender,
        CancellationToken ct) =>
        Responses.Ok(await sender.Send(new ListAuditQuery(limit, cursor), ct));
}
