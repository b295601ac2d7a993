using Cms.Domain.Common;
using Cms.Domain.Complaints;

namespace Cms.Domain.Letters;

/// <summary>The text of a rendered letter (plaintext in the domain; the infrastructure seals it under the consumer's key).</summary>
public sealed record LetterContent(string? Subject, string BodyText, string? BodyHtml);

/// <summary>
/// A letter rendered for a complaint: a draft until approved (when its type or template requires four-eyes approval),
/// then immutable; sent once, when the tenant's delivery service reports it. A correction is a new letter.
/// </summary>
public sealed class Letter
{
    private Letter(LetterState s)
    {
        State = s;
    }

    public LetterState State { get; private set; }

    public Guid Id => State.Id;
    public LetterStatus Status => State.Status;

    /// <summary>Renders a draft: <paramref name="missing"/> are the required elements the rendered letter lacks (refused when any).</summary>
    public static Result<Letter> Draft(LetterState draft, IReadOnlyList<RequiredElement> missing) =>
        missing.Count > 0 ? MissingContent(missing) : new Letter(draft with { Status = LetterStatus.Draft, Version = 1 });

    public static Letter Restore(LetterState state) => new(state);

    /// <summary>
    /// Four-eyes approval: the approver is a supervisor (checked by the caller's roles), never the author; only a draft
    /// that needs approval is approved; its content is checked again against the profile's current letter rules.
    /// </summary>
    public Result Approve(Guid approverId, LetterRuleSet rules, DateTimeOffset now)
    {
        if (approverId == State.AuthorId)
        {
            return Error.Forbidden("The author of a letter cannot approve it (four-eyes approval): another supervisor must.");
        }

        if (State.Status != LetterStatus.Draft)
        {
            return Error.Conflict("letter.not_draft", $"The letter is {State.Status.ToWire()}: only a draft is approved; a correction is a new letter.");
        }

        if (!State.RequiresApproval)
        {
            return Error.Conflict("letter.approval_not_required", "This letter does not need approval: report it sent.");
        }

        var missing = rules.For(State.Type).Where(e => !State.Satisfied.Contains(e.Code)).ToList();
        if (missing.Count > 0)
        {
            return MissingContent(missing);
        }

        State = State with { Status = LetterStatus.Approved, ApprovedBy = approverId, ApprovedAt = now, Version = State.Version + 1 };
        return Result.Success();
    }

    /// <summary>Records that the tenant's delivery service sent the letter: only an approved one when approval is required.</summary>
    public Result MarkSent(LetterChannel channel, DateTimeOffset sentAt, DateTimeOffset now)
    {
        if (State.Status == LetterStatus.Sent)
        {
            return Error.Conflict("letter.already_sent", "The letter is already recorded as sent.");
        }

        if (State.RequiresApproval && State.Status != LetterStatus.Approved)
        {
            return Error.Conflict("letter.not_approved", "The letter needs four-eyes approval before it is sent.");
        }

        if (sentAt > now)
        {
            return Error.Validation("sentAt", "A letter cannot be sent in the future.");
        }

        if (sentAt < State.CreatedAt)
        {
            return Error.Validation("sentAt", "A letter cannot be sent before it was rendered.");
        }

        State = State with { Status = LetterStatus.Sent, Channel = channel, SentAt = sentAt, Version = State.Version + 1 };
        return Result.Success();
    }

    /// <summary>The 422 naming each missing element (its code as the field, what it requires and what meets it).</summary>
    public static Error MissingContent(IReadOnlyList<RequiredElement> missing) =>
        new(ErrorKind.Unprocessable, "letter.required_content_missing",
            $"The letter lacks {missing.Count} element(s) its regulatory profile requires: {string.Join(", ", missing.Select(m => m.Code))}.",
            missing.ToDictionary(m => m.Code, m => new[] { $"{m.Description} Met by: {m.SatisfiedBy}." }, StringComparer.Ordinal));

    /// <summary>
    /// The required elements the rendered letter lacks: a placeholder element is met when the template uses the
    /// placeholder and its value is non-empty; an attachment element when the template names the attachment.
    /// </summary>
    public static IReadOnlyList<RequiredElement> Missing(IReadOnlyList<RequiredElement> required, IReadOnlySet<string> usedPlaceholders,
        IReadOnlyDictionary<string, string?> values, IReadOnlyList<string> attachments) =>
        [.. required.Where(e => e.Attachment is { } name
            ? !attachments.Contains(name, StringComparer.Ordinal)
            : !usedPlaceholders.Contains(e.SatisfiedBy) || string.IsNullOrWhiteSpace(values.GetValueOrDefault(e.SatisfiedBy)))];
}

/// <summary>Everything a letter holds; <see cref="Resolution"/> is the outcome a final response proposes for an open complaint.</summary>
public sealed record LetterState
{
    public required Guid Id { get; init; }
    public required Guid TenantId { get; init; }
    public required Guid ComplaintId { get; init; }
    public required LetterType Type { get; init; }
    public required Guid TemplateId { get; init; }
    public required int TemplateVersion { get; init; }
    public required string Rules { get; init; }
    public required int RulesVersion { get; init; }
    public required IReadOnlySet<string> Satisfied { get; init; }
    public LetterStatus Status { get; init; }
    public required LetterContent Content { get; init; }
    public Resolution? Resolution { get; init; }
    public required string ContentHash { get; init; }
    public required bool RequiresApproval { get; init; }
    public required Guid AuthorId { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public Guid? ApprovedBy { get; init; }
    public DateTimeOffset? ApprovedAt { get; init; }
    public LetterChannel? Channel { get; init; }
    public DateTimeOffset? SentAt { get; init; }
    public long Version { get; init; }
}
