using System.ComponentModel.DataAnnotations;
using Cms.Api.Http;
using Cms.Application.Letters;
using Cms.Application.Letters.ApproveLetter;
using Cms.Application.Letters.DraftLetter;
using Cms.Application.Letters.GetLetterRequirements;
using Cms.Application.Letters.ListLetters;
using Cms.Application.Letters.ListLetterTemplates;
using Cms.Application.Letters.PublishLetterTemplate;
using Cms.Application.Letters.RecordLetterSent;
using Cms.Domain.Common;
using Cms.Domain.Letters;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Cms.Api.Endpoints;

/// <summary>Letter templates (versioned per tenant) and a complaint's letters: render, four-eyes approval, sent (api.md v1.1).</summary>
public static class LetterEndpoints
{
    public sealed record PublishTemplateBody([Required] LetterType? Type, [Required] string? Name, string? Subject, [Required] string? BodyText,
        string? BodyHtml, bool? RequiresApproval, IReadOnlyList<string>? Attachments);

    public sealed record DraftBody([Required] LetterType? Type, [Required] Guid? TemplateId, string? Reasons, DateOnly? ExpectedBy,
        bool? WaivesTimeLimits, LetterResolutionDto? Resolution);

    public sealed record SentBody([Required] LetterChannel? Channel, [Required] DateTimeOffset? SentAt);

    public static void MapLetterEndpoints(this IEndpointRouteBuilder app)
    {
        var templates = app.MapGroup("/v1/letter-templates").WithTags("Letters");
        templates.MapPost("", Publish).WithIdempotency()
            .WithSummary("Publish the next version of a letter type's template (tenant_admin, supervisor); 422 when it reaches anything but its placeholders.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        templates.MapGet("", (ISender s, CancellationToken ct) => ListTemplates(s, ct))
            .WithSummary("The current template version of each letter type (agent+).").ProducesProblem(StatusCodes.Status403Forbidden);
        templates.MapGet("/requirements", Requirements)
            .WithSummary("The required elements of a letter type under the tenant's regulatory profile, and what meets each (agent+).")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden);

        var letters = app.MapGroup("/v1/complaints/{id}/letters").WithTags("Letters");
        letters.MapPost("", Draft).WithIdempotency()
            .WithSummary("Render a letter from a template with the consumer's data (agent+); 422 listing each missing required element.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        letters.MapGet("", List).WithSummary("The complaint's letters with status draft / approved / sent (agent+, auditor).")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound);
        letters.MapPost("/{letterId}/approve", Approve)
            .WithSummary("Four-eyes approval (supervisor, not the author: 403; If-Match); the content is checked again (422).")
            .RequiresIfMatch().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        letters.MapPost("/{letterId}/sent", Sent)
            .WithSummary("The delivery service reports the letter sent (agent+, integration): the clocks close on a sent, approved letter of the right type.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
    }

    private static async Task<Results<Created<LetterTemplateDto>, ProblemHttpResult>> Publish(PublishTemplateBody body, ISender sender,
        CancellationToken ct) =>
        Responses.Created(await sender.Send(new PublishLetterTemplateCommand(body.Type, body.Name, body.Subject, body.BodyText, body.BodyHtml,
            body.RequiresApproval, body.Attachments), ct), t => "/v1/letter-templates");

    private static async Task<Results<Ok<IReadOnlyList<LetterTemplateDto>>, ProblemHttpResult>> ListTemplates(ISender sender, CancellationToken ct) =>
        Responses.Ok(await sender.Send(new ListLetterTemplatesQuery(), ct));

    private static async Task<Results<Ok<LetterRequirementsDto>, ProblemHttpResult>> Requirements(string? type, ISender sender, CancellationToken ct)
    {
        if (type is null || !WireNames.TryParse<LetterType>(type, out var parsed))
        {
            return Problems.From(Error.Validation("type", $"'type' is required, one of: {string.Join(", ", WireNames.All<LetterType>())}."));
        }

        return Responses.Ok(await sender.Send(new GetLetterRequirementsQuery(parsed), ct));
    }

    private static async Task<Results<Created<LetterDto>, ProblemHttpResult>> Draft(Guid id, DraftBody body, ISender sender, CancellationToken ct) =>
        Responses.Created(await sender.Send(new DraftLetterCommand(id, body.Type, body.TemplateId ?? Guid.Empty, body.Reasons, body.ExpectedBy,
            body.WaivesTimeLimits, body.Resolution), ct), l => $"/v1/complaints/{id}/letters");

    private static async Task<Results<Ok<IReadOnlyList<LetterDto>>, ProblemHttpResult>> List(Guid id, ISender sender, CancellationToken ct) =>
        Responses.Ok(await sender.Send(new ListLettersQuery(id), ct));

    private static async Task<Results<Ok<LetterDto>, ProblemHttpResult>> Approve(Guid id, Guid letterId, HttpContext http, ISender sender,
        CancellationToken ct)
    {
        var ifMatch = Responses.RequiredIfMatch(http.Request);
        return ifMatch.IsSuccess
            ? Responses.Ok(await sender.Send(new ApproveLetterCommand(id, letterId, ifMatch.Value), ct))
            : Problems.From(ifMatch.Error);
    }

    private static async Task<Results<Ok<LetterDto>, ProblemHttpResult>> Sent(Guid id, Guid letterId, SentBody body, ISender sender,
        CancellationToken ct) =>
        Responses.Ok(await sender.Send(new RecordLetterSentCommand(id, letterId, body.Channel, body.SentAt), ct));
}
