using Cms.Application.Audit;
using Cms.Application.Complaints;
using Cms.Application.Consumers;
using Cms.Domain.Audit;
using Cms.Domain.Complaints;
using Cms.Domain.Consumers;

namespace Cms.Tests.Application.Fakes;

/// <summary>
/// Read models built the way the real query services build them (Cms.Infrastructure ComplaintRow.ToDto, ConsumerRow.ToDto,
/// Mapping): deadlines ordered by due instant then kind, "breached" and "overdue" against the caller's clock, redress
/// only with an outcome, vulnerability drivers in order.
/// </summary>
public static class Dtos
{
    public static ComplaintDto Complaint(ComplaintState s, DateTimeOffset now)
    {
        var deadlines = s.Deadlines.OrderBy(d => d.DueAt).ThenBy(d => d.Kind).ToList();
        var nextDue = NextDue(s);
        var resolution = s.Resolution;
        var referral = s.Referral;
        var vulnerability = s.Vulnerability ?? ComplaintVulnerability.None with { Involved = s.VulnerabilityInvolved };
        return new ComplaintDto(s.Id, s.Reference, s.ConsumerId, s.Channel, s.Product, s.ProductVersion, s.Category, s.CategoryVersion,
            s.Description, s.Priority, s.VulnerabilityInvolved,
            new ComplaintVulnerabilityDto(vulnerability.Involved, [.. vulnerability.Drivers.Order()], vulnerability.ConsentGivenAt),
            s.Flags.PaymentServices, s.Flags.Disability, s.ProfileCode, s.ProfileVersion, s.Status, s.AssigneeId, s.ReceivedAt,
            s.AcknowledgedAt, s.SummaryResolutionAt, s.FinalResponseAt, s.ResolvedAt, s.ClosedAt, s.ReopenedAt, resolution?.Outcome,
            resolution is null
                ? null
                : new RedressDto(resolution.Redress.Monetary is { } m ? new MoneyDto(m.AmountMinor, m.Currency) : null, resolution.Redress.NonMonetary),
            resolution?.RootCause, resolution?.RootCauseVersion,
            referral is null ? null : new ReferralDto(referral.Body, referral.ExternalReference, referral.ReferredAt, referral.Outcome, referral.OutcomeAt),
            [.. s.Responses.OrderBy(r => r.SentAt).ThenBy(r => r.Id).Select(r => new ResponseDto(r.Id, r.ComplaintId, r.Type, r.SentAt, r.RecordedBy, r.RecordedAt))],
            s.ClosureBand, s.MergedIntoId,
            [.. deadlines.Select(d => DeadlineDto.From(d, now))],
            nextDue, nextDue is { } due && due < now, s.CreatedAt, s.UpdatedAt, s.Version)
        {
            ProvisionalCreditAt = s.ProvisionalCreditAt,
            QueueId = s.QueueId,
        };
    }

    public static ComplaintSummaryDto Summary(ComplaintState s, DateTimeOffset now)
    {
        var nextDue = NextDue(s);
        return new ComplaintSummaryDto(s.Id, s.Reference, s.ConsumerId, s.Channel, s.Product, s.Category, s.Priority, s.Status,
            s.AssigneeId, s.ReceivedAt, nextDue, nextDue is { } due && due < now, s.Version)
        {
            QueueId = s.QueueId,
        };
    }

    /// <summary>The stored next_due_at column: written from the aggregate on every insert and update.</summary>
    public static DateTimeOffset? NextDue(ComplaintState s) =>
        Cms.Domain.Complaints.Complaint.NextDue(s.Deadlines, s.Status is ComplaintStatus.Received or ComplaintStatus.Acknowledged
            or ComplaintStatus.Investigating or ComplaintStatus.AwaitingConsumer);

    public static ConsumerDto Consumer(Consumer c) => new(c.Id, c.ExternalRef, c.Contact.FullName, c.Contact.Email, c.Contact.Phone,
        c.Contact.Address is { } a ? new AddressDto([.. a.Lines], a.City, a.Postcode, a.Country) : null,
        c.DateOfBirth, new VulnerabilityDto([.. c.Vulnerability.Drivers.Order()], c.Vulnerability.ConsentRecorded),
        c.LegalHold, c.CreatedAt, c.UpdatedAt, c.Version, c.ErasedAt);

    public static NoteDto Note(ComplaintNote n) => new(n.Id, n.ComplaintId, n.Kind, n.Body, n.AuthorId, n.CreatedAt);

    public static AuditEntryDto Audit(AuditEntry e) =>
        new(e.Id, e.OccurredAt, e.ActorType, e.ActorId, e.Action, e.EntityType, e.EntityId, [.. e.ChangedFields], e.TraceId);
}
