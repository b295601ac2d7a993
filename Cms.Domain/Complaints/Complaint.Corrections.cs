using Cms.Domain.Common;
using Cms.Domain.Regulation;

namespace Cms.Domain.Complaints;

// Merging a duplicate and correcting the facts that drive the deadlines (each recomputes them).
public sealed partial class Complaint
{
    /// <summary>
    /// Merges <paramref name="duplicate"/> (the same consumer's complaint about the same matter) into this one. The survivor
    /// keeps the earliest received date and its deadlines are computed again from it the way every fact correction does
    /// (<see cref="RecomputeDeadlines"/>: the complaint's own profile version, <paramref name="clock"/>'s closure days and
    /// internal SLA for the new date, met deadlines keep their met instant); the duplicate becomes
    /// <see cref="ComplaintStatus.Merged"/>, pointing here. Both must be open and of the same consumer.
    /// </summary>
    public Result Merge(Complaint duplicate, TenantClock clock, DateTimeOffset now)
    {
        if (duplicate.Id == Id)
        {
            return Error.Validation("duplicateId", "A complaint cannot be merged into itself.");
        }

        if (duplicate.TenantId != TenantId)
        {
            return Error.NotFound("complaint");
        }

        if (!IsOpen || !duplicate.IsOpen)
        {
            var which = IsOpen ? duplicate : this;
            return new Error(ErrorKind.Conflict, "complaint.illegal_transition",
                $"Cannot merge complaints: {which.Reference} is in status '{which.Status.ToWire()}'; both complaints must be open (received, acknowledged, investigating, awaiting_consumer).");
        }

        if (duplicate.ConsumerId != ConsumerId)
        {
            return Error.Conflict("complaint.merge_other_consumer", "Only complaints of the same consumer can be merged.");
        }

        var fields = new List<string> { "mergedComplaints" };
        // Both histories are kept, and what the consumer was sent on the duplicate counts for the survivor's clocks: a
        // holding response or ADR letter on either is one on the complaint (the read model shows the family's responses
        // too, and the repository loads them with the survivor). Provisional credit: the earlier of the two.
        _responses.AddRange(duplicate.Responses);
        var clockEvents = duplicate.Responses.Count > 0;
        if (duplicate.ProvisionalCreditAt is { } credit && (ProvisionalCreditAt is null || credit < ProvisionalCreditAt))
        {
            ProvisionalCreditAt = credit;
            clockEvents = true;
            fields.Add("provisionalCreditAt");
        }

        if (duplicate.ReceivedAt < ReceivedAt)
        {
            ReceivedAt = duplicate.ReceivedAt;
            RecomputeDeadlines(clock, now);

            fields.Add("receivedAt");
            fields.Add("deadlines");
        }
        else if (clockEvents && MeetFromHistory(clock))
        {
            fields.Add("deadlines");
        }

        if (duplicate.VulnerabilityInvolved && !VulnerabilityInvolved)
        {
            Vulnerability = Vulnerability with { Involved = true };
            fields.Add("vulnerability");
        }

        duplicate.Status = ComplaintStatus.Merged;
        duplicate.MergedIntoId = Id;
        duplicate.ClosedAt = now;
        duplicate.Changed(now, "status", "mergedIntoId", "closedAt");
        return Changed(now, [.. fields]);
    }

    // ---- Facts that drive the deadlines ----------------------------------------------------------------------------

    /// <summary>
    /// Corrects the date the complaint was received (e.g. it reached another branch first). Every deadline is computed
    /// again from the corrected date with the complaint's own profile version; deadlines already met keep when they
    /// were met. Allowed in every status: the return for the period counts from the corrected date too.
    /// </summary>
    public Result CorrectReceivedAt(DateTimeOffset receivedAt, TenantClock clock, DateTimeOffset now)
    {
        var received = receivedAt.ToUniversalTime();
        if (CheckReceivedAt(received, CreatedAt, now) is { } invalid)
        {
            return invalid;
        }

        if (received == ReceivedAt)
        {
            return Error.Conflict("complaint.unchanged", "The complaint already has that received date.");
        }

        ReceivedAt = received;
        RecomputeDeadlines(clock, now);
        // A closed complaint's band in the regulator's return counts from the receipt date too (measured to the
        // firm's response, or to the closing when there was none, as Close measures it).
        if (ClosureBand is { } band && ClosedAt is { } closedAt)
        {
            ClosureBand = ClosureBands.Of(Profile.Calendar, ReceivedAt, ResolvedAt ?? closedAt);
            if (ClosureBand != band)
            {
                return Changed(now, "receivedAt", "deadlines", "closureBand");
            }
        }

        return Changed(now, "receivedAt", "deadlines");
    }

    /// <summary>Marks the complaint as a payment-services complaint (PSD2 / EMD, Regulation E) or clears the mark.</summary>
    public Result SetPaymentServices(bool paymentServices, TenantClock clock, DateTimeOffset now) =>
        SetFlags(Flags with { PaymentServices = paymentServices }, "paymentServices", clock, now);

    /// <summary>Marks the complaint as a disability complaint (14 CFR 382) or clears the mark.</summary>
    public Result SetDisability(bool disability, TenantClock clock, DateTimeOffset now) =>
        SetFlags(Flags with { Disability = disability }, "disability", clock, now);

    private Result SetFlags(ComplaintFlags flags, string field, TenantClock clock, DateTimeOffset now)
    {
        if (flags == Flags)
        {
            return Error.Conflict("complaint.unchanged", $"The complaint's '{field}' flag already has that value.");
        }

        Flags = flags;
        RecomputeDeadlines(clock, now);
        return Changed(now, field, "deadlines");
    }
}
