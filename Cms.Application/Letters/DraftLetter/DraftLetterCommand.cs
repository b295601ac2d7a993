using Cms.Application.Common;
using Cms.Application.Complaints;
using Cms.Domain.Common;
using Cms.Domain.Complaints;
using Cms.Domain.Letters;
using Mediator;

namespace Cms.Application.Letters.DraftLetter;

/// <summary>The outcome a final letter gives an open complaint (resolved with it when the letter is sent).</summary>
public sealed record LetterResolutionDto(Outcome? Outcome, RedressDto? Redress, string? RootCause);

/// <summary>
/// Renders a letter for a complaint from one of the tenant's templates with the consumer's decrypted data, checks the
/// content its regulatory profile requires (422 naming each missing element) and stores it sealed as a draft (or ready,
/// when it needs no approval). <paramref name="Resolution"/> is required for a final letter on an open complaint.
/// </summary>
public sealed record DraftLetterCommand(Guid ComplaintId, LetterType? Type, Guid TemplateId, string? Reasons, DateOnly? ExpectedBy,
    bool? WaivesTimeLimits, LetterResolutionDto? Resolution) : ICommand<Result<LetterDto>>, IUseCaseMessage, IComplaintScoped
{
    UseCase IUseCaseMessage.UseCase => UseCase.DraftLetter;

    public const int MaxReasons = 10_000;
}

public sealed class DraftLetterValidator : IValidator<DraftLetterCommand>
{
    public void Validate(DraftLetterCommand request, ValidationErrors errors)
    {
        errors.Id("id", request.ComplaintId);
        errors.Defined("type", request.Type);
        errors.Id("templateId", request.TemplateId);
        errors.Optional("reasons", request.Reasons, DraftLetterCommand.MaxReasons);
        if (request.Resolution is { } resolution)
        {
            errors.Defined("resolution.outcome", resolution.Outcome);
            errors.Optional("resolution.rootCause", resolution.RootCause, Limits.RootCause);
            errors.Optional("resolution.redress.nonMonetary", resolution.Redress?.NonMonetary, Limits.NonMonetaryRedress);
            if (resolution.Redress?.Monetary is { } money && Money.Create(money.AmountMinor, money.Currency).Error is { } error)
            {
                foreach (var (field, messages) in error.Fields!)
                {
                    errors.Add($"resolution.{field}", messages[0]);
                }
            }
        }
    }
}
