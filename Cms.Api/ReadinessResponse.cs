using System.Text.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Cms.Api;

/// <summary>
/// The body of <c>/health/ready</c>: the overall status and each check's status and description, so an operator sees
/// why an instance is degraded or not ready (e.g. the identity provider unreachable) without reading its logs. The
/// descriptions name no secret and no personal data; exceptions are not included.
/// </summary>
public static class ReadinessResponse
{
    public static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        var body = new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString(), description = e.Value.Description }),
        };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body));
    }
}
