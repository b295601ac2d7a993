using Cms.Application.Abstractions;
using Cms.Application.Audit;
using Cms.Application.Common;
using Cms.Domain.Common;
using Cms.Domain.Letters;
using Mediator;

namespace Cms.Application.Letters.PublishLetterTemplate;

/// <summary>
/// Publishes the next version of the tenant's template for a letter type. A template whose text reaches anything but
/// the placeholders (another member, an index, a tag that assigns, loops, includes, captures or writes raw output) is
/// refused with 422 naming each offence, and nothing is stored.
/// </summary>
public sealed record PublishLetterTemplateCommand(LetterType? Type, string? Name, string? Subject, string? BodyText, string? BodyHtml,
    bool? RequiresApproval, IReadOnlyList<string>? Attachments) : ICommand<Result<LetterTemplateDto>>, IUseCaseMessage
{
    UseCase IUseCaseMessage.UseCase => UseCase.PublishLetterTemplate;
}

public sealed class PublishLetterTemplateValidator : IValidator<PublishLetterTemplateCommand>
{
    public void Validate(PublishLetterTemplateCommand request, ValidationErrors errors)
    {
        errors.Defined("type", request.Type);
        errors.Required("name", request.Name, LetterTemplate.MaxName);
        errors.Optional("subject", request.Subject, LetterTemplate.MaxSubject);
        errors.Required("bodyText", request.BodyText, LetterTemplate.MaxBody);
        errors.Optional("bodyHtml", request.BodyHtml, LetterTemplate.MaxBody);
        if (request.Attachments is { } attachments && (attachments.Count > LetterTemplate.MaxAttachments
            || attachments.Any(a => string.IsNullOrWhiteSpace(a) || a.Length > LetterTemplate.MaxAttachmentName)))
        {
            errors.Add("attachments", $"At most {LetterTemplate.MaxAttachments} attachments, each named in 1 to {LetterTemplate.MaxAttachmentName} characters.");
        }
    }
}

internal sealed class PublishLetterTemplateHandler(ILetterTemplateRepository templates, ILetterEngine engine, TenantScope scope,
    CallerContext caller, AuditTrail audit, TimeProvider clock) : ICommandHandler<PublishLetterTemplateCommand, Result<LetterTemplateDto>>
{
    public async ValueTask<Result<LetterTemplateDto>> Handle(PublishLetterTemplateCommand command, CancellationToken cancellationToken)
    {
        var (placeholders, unsafeParts) = CheckAll(engine, command.Subject, command.BodyText!, command.BodyHtml);
        if (unsafeParts.Count > 0)
        {
            return new Error(ErrorKind.Unprocessable, "letter_template.unsafe",
                "The template reaches something other than its placeholders: see errors (GET /v1/letter-templates/requirements lists the placeholders).",
                unsafeParts);
        }

        var type = command.Type!.Value;
        var published = LetterTemplate.Publish(Ids.New(), scope.Required, type, await templates.CurrentVersionAsync(type, cancellationToken),
            command.Name!, command.Subject, command.BodyText!, command.BodyHtml, command.RequiresApproval, command.Attachments ?? [],
            caller.Staff?.Id, clock.GetUtcNow());
        if (!published.IsSuccess)
        {
            return published.Error;
        }

        var template = published.Value;
        await templates.AddAsync(template, cancellationToken);
        await audit.RecordAsync("letter_template.published", AuditTrail.LetterTemplate, template.Id, AuditTrail.UnversionedEntity,
            ["type", "version", "name", "subject", "bodyText", "bodyHtml", "requiresApproval", "attachments"], cancellationToken);
        return LetterTemplateDto.Of(template, placeholders);
    }

    /// <summary>The placeholders the template's parts reach, and per part what they may not do.</summary>
    internal static (IReadOnlySet<string> Placeholders, Dictionary<string, string[]> Errors) CheckAll(ILetterEngine engine, string? subject,
        string bodyText, string? bodyHtml)
    {
        var used = new HashSet<string>(StringComparer.Ordinal);
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var (field, source) in new[] { ("subject", subject), ("bodyText", bodyText), ("bodyHtml", bodyHtml) })
        {
            if (source is null)
            {
                continue;
            }

            var check = engine.Check(source);
            used.UnionWith(check.Placeholders);
            if (check.Errors.Count > 0)
            {
                errors[field] = [.. check.Errors];
            }
        }

        return (used, errors);
    }
}
