using Cms.Domain.Complaints;

namespace Cms.Application.Complaints;

/// <summary>
/// The answer to a command on a complaint built from the complaint as the command wrote it, not read back (issue 17: the
/// read-back cost three statements of a filing). The same fields as a read of it (ComplaintQueries.GetAsync) gives:
/// every instant as the database stores it (asStored: PostgreSQL keeps microseconds), the deadlines
/// in due order. Only for a complaint whose answer holds nothing of other rows: no duplicates merged into it (their
/// responses are part of a read) and its consumer's key not destroyed (a read shows the text erased).
/// </summary>
public static class WrittenComplaint
{
    public static ComplaintDto ToDto(Complaint c, Guid legalEntityId, DateTimeOffset now, Func<DateTimeOffset, DateTimeOffset> asStored)
    {
        DateTimeOffset? Stored(DateTimeOffset? instant) => instant is { } value ? asStored(value) : null;
        var redress = c.Resolution?.Redress;
        var referral = c.Referral;
        var nextDueAt = Stored(c.NextDueAt);
        return new ComplaintDto(c.Id, c.Reference, c.ConsumerId, c.Channel, c.Product, c.ProductVersion, c.Category, c.CategoryVersion,
            c.Description, c.Priority, c.VulnerabilityInvolved,
            new ComplaintVulnerabilityDto(c.Vulnerability.Involved, [.. c.Vulnerability.Drivers.Order()], Stored(c.Vulnerability.ConsentGivenAt)),
            c.Flags.PaymentServices, c.Flags.Disability, c.ProfileCode, c.ProfileVersion, c.Status, c.AssigneeId, asStored(c.ReceivedAt),
            Stored(c.AcknowledgedAt), Stored(c.SummaryResolutionAt), Stored(c.FinalResponseAt), Stored(c.ResolvedAt), Stored(c.ClosedAt),
            Stored(c.ReopenedAt), c.Resolution?.Outcome,
            redress is null ? null : new RedressDto(redress.Monetary is { } m ? new MoneyDto(m.AmountMinor, m.Currency) : null, redress.NonMonetary),
            c.Resolution?.RootCause, c.Resolution?.RootCauseVersion,
            referral is null ? null : new ReferralDto(referral.Body, referral.ExternalReference, asStored(referral.ReferredAt), referral.Outcome,
                Stored(referral.OutcomeAt)),
            [.. c.Responses.Select(r => new ResponseDto(r.Id, r.ComplaintId, r.Type, asStored(r.SentAt), r.RecordedBy, asStored(r.RecordedAt)))
                .OrderBy(r => r.SentAt).ThenBy(r => r.Id)],
            c.ClosureBand, c.MergedIntoId,
            [.. c.Deadlines.Select(d => d with { DueAt = asStored(d.DueAt), MetAt = Stored(d.MetAt), PausedAt = Stored(d.PausedAt) })
                .OrderBy(d => d.DueAt).ThenBy(d => d.Kind).Select(d => DeadlineDto.From(d, now))],
            nextDueAt, nextDueAt is { } due && due < now, asStored(c.CreatedAt), asStored(c.UpdatedAt), c.Version)
        {
            ProvisionalCreditAt = Stored(c.ProvisionalCreditAt),
            QueueId = c.QueueId,
            PersonalDataErased = false,
            LegalEntityId = legalEntityId,
        };
    }
}
