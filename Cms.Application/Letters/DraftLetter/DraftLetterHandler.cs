using System.Security.Cryptography;
using System.Text;
using Cms.Application.Abstractions;
using Cms.Application.Audit;
using Cms.Application.Common;
using Cms.Application.Letters.PublishLetterTemplate;
using Cms.Application.Complaints;
using Cms.Domain.Common;
using Cms.Domain.Complaints;
using Cms.Domain.Letters;
using Mediator;

namespace Cms.Application.Letters.DraftLetter;

internal sealed class DraftLetterHandler(IComplaintRepository complaints, IConsumerRepository consumers, ILetterTemplateRepository templates,
    ILetterRepository letters, ILetterEngine engine, ITaxonomyRepository taxonomies, TenantScope scope, CallerContext caller, AuditTrail audit,
    TimeProvider clock) : ICommandHandler<DraftLetterCommand, Result<LetterDto>>
{
    public async ValueTask<Result<LetterDto>> Handle(DraftLetterCommand command, CancellationToken cancellationToken)
    {
        // The template and the addressee travel with the complaint's load: one round trip (docs/adr/0011 part 7).
        var templateRead = templates.GetWithComplaint(command.TemplateId);
        var consumerRead = consumers.GetOfComplaintWithComplaint(command.ComplaintId);
        var complaint = await complaints.GetAsync(command.ComplaintId, cancellationToken);
        if (complaint is null)
        {
            return Error.NotFound("complaint");
        }

        if (Permissions.CheckHandles(caller.RequiredStaff, complaint, "writes letters only for") is { } forbidden)
        {
            return forbidden;
        }

        var type = command.Type!.Value;
        var template = await templateRead(cancellationToken);
        if (template is null)
        {
            return Error.NotFound("letter_template");
        }

        if (template.Type != type)
        {
            return Error.Validation("templateId", $"The template is for {template.Type.ToWire()} letters, not {type.ToWire()}.");
        }

        var resolution = await ResolutionAsync(complaint, type, command.Resolution, cancellationToken);
        if (!resolution.IsSuccess)
        {
            return resolution.Error;
        }

        var consumer = await consumerRead(cancellationToken);
        if (consumer is null || consumer.IsErased)
        {
            return Error.Conflict("letter.consumer_erased", "The consumer's personal data is erased: no letter can be written to them.");
        }

        var now = clock.GetUtcNow();
        var rules = LetterRequirements.For(complaint.ProfileCode);
        var values = LetterValues.Of(complaint, consumer, resolution.Value,
            new LetterInputs(command.Reasons?.Trim(), command.ExpectedBy, command.WaivesTimeLimits), rules, now);
        var used = PublishLetterTemplateHandler.CheckAll(engine, template.Subject, template.BodyText, template.BodyHtml).Placeholders;
        var content = new LetterContent(
            template.Subject is null ? null : engine.Render(template.Subject, values, html: false),
            engine.Render(template.BodyText, values, html: false),
            template.BodyHtml is null ? null : engine.Render(template.BodyHtml, values, html: true));
        var required = rules.For(type);
        var missing = Letter.Missing(required, used, values, template.Attachments);
        var drafted = Letter.Draft(new LetterState
        {
            Id = Ids.New(),
            TenantId = scope.Required,
            ComplaintId = complaint.Id,
            Type = type,
            TemplateId = template.Id,
            TemplateVersion = template.Version,
            Rules = rules.Name,
            RulesVersion = rules.Version,
            Satisfied = required.Select(e => e.Code).ToHashSet(StringComparer.Ordinal),
            Content = content,
            Resolution = type.IsFinal() ? resolution.Value : null,
            ContentHash = HashOf(content),
            RequiresApproval = template.RequiresApproval || type.AlwaysRequiresApproval(),
            AuthorId = caller.RequiredStaff.Id,
            CreatedAt = now,
        }, missing);
        if (!drafted.IsSuccess)
        {
            return drafted.Error;
        }

        var letter = drafted.Value;
        await letters.AddAsync(letter, complaint.ConsumerId, cancellationToken);
        await audit.RecordAsync(letter.State.RequiresApproval ? "letter.drafted" : "letter.ready", AuditTrail.Letter, letter.Id, letter.State.Version,
            ["type", "templateVersion", "content", "status"], cancellationToken);
        return LetterDto.Of(letter, erased: false);
    }

    /// <summary>The outcome a final letter states: the complaint's own once resolved, else the one the request proposes.</summary>
    private async Task<Result<Resolution?>> ResolutionAsync(Complaint complaint, LetterType type, LetterResolutionDto? proposed,
        CancellationToken cancellationToken)
    {
        if (!type.IsFinal())
        {
            return (Resolution?)null;
        }

        if (complaint.Resolution is { } recorded && !complaint.IsOpen)
        {
            return recorded;
        }

        if (proposed?.Outcome is not { } outcome)
        {
            return Error.Validation("resolution", "A final letter for an open complaint carries its 'resolution' (outcome, redress, root cause): the complaint is resolved with it when the letter is sent.");
        }

        var resolution = await Resolutions.BuildAsync(taxonomies, outcome, proposed.Redress, proposed.RootCause, "resolution.rootCause",
            cancellationToken);
        return resolution.IsSuccess ? resolution.Value : resolution.Error;
    }

    /// <summary>SHA-256 of the letter as rendered (subject, text, HTML), hex: proves later which text was approved and sent.</summary>
    private static string HashOf(LetterContent content) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{content.Subject}\u0000{content.BodyText}\u0000{content.BodyHtml}")));
}
