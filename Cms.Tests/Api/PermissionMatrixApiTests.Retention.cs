using System.Net;
using Cms.Application.Common;
using static Cms.Tests.Api.ApiRequests;

namespace Cms.Tests.Api;

public sealed partial class PermissionMatrixApiTests
{
    /// <summary>The retention schedule and its preview (issue 19): tenant settings, read by auditors too.</summary>
    private static Row[] RetentionRows =>
    [
        new(UseCase.GetRetentionSchedule, "GET /v1/retention/schedule", HttpStatusCode.OK, _ => Task.FromResult(Json(HttpMethod.Get, "/v1/retention/schedule"))),
        new(UseCase.SetRetentionSchedule, "PUT /v1/retention/schedule", HttpStatusCode.OK,
            _ => Task.FromResult(Json(HttpMethod.Put, "/v1/retention/schedule", new { afterClosureDays = 400 }))),
        new(UseCase.PreviewRetention, "GET /v1/retention/preview", HttpStatusCode.OK, _ => Task.FromResult(Json(HttpMethod.Get, "/v1/retention/preview"))),
    ];
}
