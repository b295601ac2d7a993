using System.Net;
using System.Net.Http.Json;
using Cms.Application.Common;
using Cms.Application.Letters;
using Cms.Domain.Complaints;
using Cms.Tests.Support;
using static Cms.Tests.Api.ApiRequests;

namespace Cms.Tests.Api;

// The letters' rows of the matrix (issue 20): templates and letters are set up by the tenant admin, so an approval by
// anyone but the admin is a second pair of eyes.
public sealed partial class PermissionMatrixApiTests
{
    /// <summary>A property, not a field: the table above reads it while its own static fields are being initialised.</summary>
    private static Row[] LetterRows =>
    [
        new(UseCase.PublishLetterTemplate, "POST /v1/letter-templates", HttpStatusCode.Created,
            _ => Task.FromResult(Json(HttpMethod.Post, "/v1/letter-templates", AcknowledgementTemplate(requiresApproval: false)))),
        new(UseCase.ListLetterTemplates, "GET /v1/letter-templates", HttpStatusCode.OK, _ => Task.FromResult(Json(HttpMethod.Get, "/v1/letter-templates"))),
        new(UseCase.GetLetterRequirements, "GET /v1/letter-templates/requirements", HttpStatusCode.OK,
            _ => Task.FromResult(Json(HttpMethod.Get, "/v1/letter-templates/requirements?type=final_response"))),
        new(UseCase.DraftLetter, "POST /v1/complaints/{id}/letters", HttpStatusCode.Created, async w =>
        {
            var template = await TemplateAsync(w, requiresApproval: false);
            var c = await w.ComplaintAsync(ComplaintStatus.Received);
            return Json(HttpMethod.Post, $"/v1/complaints/{c.Id}/letters", new { type = "acknowledgement", templateId = template });
        }),
        new(UseCase.ListLetters, "GET /v1/complaints/{id}/letters", HttpStatusCode.OK, async w =>
            Json(HttpMethod.Get, $"/v1/complaints/{(await w.ComplaintAsync(ComplaintStatus.Received)).Id}/letters")),
        new(UseCase.ApproveLetter, "POST /v1/complaints/{id}/letters/{letterId}/approve", HttpStatusCode.OK, async w =>
        {
            var (complaint, letter) = await LetterAsync(w, requiresApproval: true);
            return Json(HttpMethod.Post, $"/v1/complaints/{complaint}/letters/{letter.Id}/approve", new { }, letter.Version);
        }),
        new(UseCase.RecordLetterSent, "POST /v1/complaints/{id}/letters/{letterId}/sent", HttpStatusCode.OK, async w =>
        {
            var (complaint, letter) = await LetterAsync(w, requiresApproval: false);
            return Json(HttpMethod.Post, $"/v1/complaints/{complaint}/letters/{letter.Id}/sent", new { channel = "email", sentAt = DateTimeOffset.UtcNow });
        }),
    ];

    private static object AcknowledgementTemplate(bool requiresApproval) => new
    {
        type = "acknowledgement",
        name = "Acknowledgement",
        bodyText = "Dear {{ consumer.full_name }}, we received your complaint {{ complaint.reference }}.",
        requiresApproval,
    };

    private static async Task<Guid> TemplateAsync(World w, bool requiresApproval) =>
        (await Read<LetterTemplateDto>(await w.Tenant.Admin.PostAsJsonAsync("/v1/letter-templates", AcknowledgementTemplate(requiresApproval),
            ApiTestBase.Json), HttpStatusCode.Created)).Id;

    /// <summary>A letter the tenant admin rendered on a fresh complaint.</summary>
    private static async Task<(Guid Complaint, LetterDto Letter)> LetterAsync(World w, bool requiresApproval)
    {
        var template = await TemplateAsync(w, requiresApproval);
        var c = await w.ComplaintAsync(ComplaintStatus.Received);
        var letter = await Read<LetterDto>(await w.Tenant.Admin.PostAsJsonAsync($"/v1/complaints/{c.Id}/letters",
            new { type = "acknowledgement", templateId = template }, ApiTestBase.Json), HttpStatusCode.Created);
        return (c.Id, letter);
    }
}
