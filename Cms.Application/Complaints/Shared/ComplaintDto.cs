using System.Text.Json.Serialization;
using Cms.Application.Common;
using Cms.Domain.Complaints;
using Cms.Domain.Consumers;
using Cms.Domain.Regulation;

namespace Cms.Application.Complaints;

/// <summary>Money in minor units; on input the amount is required (a missing amount is never read as zero).</summary>
public sealed record MoneyDto([property: JsonRequired] long AmountMinor, string Currency);

public sealed record RedressDto(MoneyDto? Monetary, string? NonMonetary);

/// <summary>A referral; <paramref name="Body"/> and <paramref name="Reference"/> are null once the consumer is erased.</summary>
public sealed record ReferralDto(string? Body, string? Reference, DateTimeOffset ReferredAt, ReferralOutcome? Outcome, DateTimeOffset? OutcomeAt);

/// <summary>A response sent on a complaint (of this complaint or of a duplicate merged into it: <see cref="ComplaintId"/> says which).</summary>
public sealed record ResponseDto(Guid Id, Guid ComplaintId, ResponseType Type, DateTimeOffset SentAt, Guid? RecordedBy, DateTimeOffset RecordedAt);

/// <summary>Vulnerability on a complaint: involvement, and the FG21/1 drivers with the time the consumer consented to recording them.</summary>
public sealed record ComplaintVulnerabilityDto(bool Involved, IReadOnlyList<VulnerabilityDriver> Drivers, DateTimeOffset? ConsentGivenAt);

/// <summary>One deadline of a complaint. <paramref name="Regulatory"/> is false for the tenant's internal SLA, the only
/// clock that pauses (<paramref name="PausedAt"/>, while the complaint awaits the consumer).</summary>
public sealed record DeadlineDto(DeadlineKind Kind, DateTimeOffset DueAt, DateTimeOffset? MetAt, bool Breached, bool Regulatory = true,
    DateTimeOffset? PausedAt = null)
{
    public static DeadlineDto From(Deadline d, DateTimeOffset now) =>
        new(d.Kind, d.DueAt, d.MetAt, !d.Kind.IsOptional() && d.IsBreached(now), d.Kind.IsRegulatory(), d.PausedAt);
}

/// <summary>A row of the due list: an open complaint and the deadline it is listed for.</summary>
public sealed record DueComplaintDto(
    Guid ComplaintId,
    string Reference,
    ComplaintStatus Status,
    Guid? AssigneeId,
    Priority Priority,
    DateTimeOffset ReceivedAt,
    DeadlineKind Kind,
    DateTimeOffset DueAt,
    bool Overdue,
    long Version)
{
    /// <summary>The complaint's queue; null when it is in none.</summary>
    public Guid? QueueId { get; init; }
}

/// <summary>A complaint as callers read it (GET, and the answer to every command on a complaint).</summary>
public sealed record ComplaintDto(
    Guid Id,
    string Reference,
    Guid ConsumerId,
    Channel Channel,
    string Product,
    int? ProductVersion,
    string Category,
    int? CategoryVersion,
    string? Description,
    Priority Priority,
    bool VulnerabilityInvolved,
    ComplaintVulnerabilityDto Vulnerability,
    bool PaymentServices,
    bool Disability,
    string RegulatoryProfile,
    int RegulatoryProfileVersion,
    ComplaintStatus Status,
    Guid? AssigneeId,
    DateTimeOffset ReceivedAt,
    DateTimeOffset? AcknowledgedAt,
    DateTimeOffset? SummaryResolutionAt,
    DateTimeOffset? FinalResponseAt,
    DateTimeOffset? ResolvedAt,
    DateTimeOffset? ClosedAt,
    DateTimeOffset? ReopenedAt,
    Outcome? Outcome,
    RedressDto? Redress,
    string? RootCause,
    int? RootCauseVersion,
    ReferralDto? Referral,
    IReadOnlyList<ResponseDto> Responses,
    ClosureBand? ClosureBand,
    Guid? MergedIntoId,
    IReadOnlyList<DeadlineDto> Deadlines,
    DateTimeOffset? NextDueAt,
    bool Overdue,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    long Version) : IVersionedResource
{
    /// <summary>When provisional credit was given (Regulation E); null when none was recorded.</summary>
    public DateTimeOffset? ProvisionalCreditAt { get; init; }

    /// <summary>The complaint's queue (GET /v1/queues); null when it is in none.</summary>
    public Guid? QueueId { get; init; }

    /// <summary>The consumer was erased: the free text (description, redress and referral text, vulnerability drivers) died
    /// with the consumer's key and reads as null; the complaint's facts and figures remain.</summary>
    public bool PersonalDataErased { get; init; }

    /// <summary>The legal entity the complaint belongs to (GET /v1/legal-entities).</summary>
    public Guid LegalEntityId { get; init; }
}

/// <summary>A row of the complaint list.</summary>
public sealed record ComplaintSummaryDto(
    Guid Id,
    string Reference,
    Guid ConsumerId,
    Channel Channel,
    string Product,
    string Category,
    Priority Priority,
    ComplaintStatus Status,
    Guid? AssigneeId,
    DateTimeOffset ReceivedAt,
    DateTimeOffset? NextDueAt,
    bool Overdue,
    long Version)
{
    /// <summary>The complaint's queue; null when it is in none.</summary>
    public Guid? QueueId { get; init; }
}

/// <summary>A note; <paramref name="Body"/> is null once the consumer is erased (it died with the consumer's key).</summary>
public sealed record NoteDto(Guid Id, Guid ComplaintId, NoteKind Kind, string? Body, Guid AuthorId, DateTimeOffset CreatedAt);
