using Cms.Domain.Common;
using Cms.Domain.Regulation;

namespace Cms.Domain.Complaints;

// The lifecycle: acknowledge, investigate, assign, resolve, close, reopen, refer, reclassify.
public sealed partial class Complaint
{
    public Result Acknowledge(DateTimeOffset now) => Acknowledge(now, now);

    /// <summary>Acknowledges at <paramref name="at"/>: now, or when an acknowledgement letter was sent (<see cref="RecordLetterSent"/>).</summary>
    private Result Acknowledge(DateTimeOffset at, DateTimeOffset now)
    {
        if (Status != ComplaintStatus.Received)
        {
            return Illegal("acknowledge", "only a received complaint can be acknowledged");
        }

        Status = ComplaintStatus.Acknowledged;
        AcknowledgedAt = at;
        Meet(DeadlineMetBy.Acknowledgement, at);
        return Changed(now, "status", "acknowledgedAt");
    }

    public Result Start(DateTimeOffset now)
    {
        if (Status is not (ComplaintStatus.Acknowledged or ComplaintStatus.AwaitingConsumer))
        {
            return Illegal("start", "an investigation starts from acknowledged or awaiting_consumer");
        }

        Status = ComplaintStatus.Investigating;
        return ResumeInternalSla(now) ? Changed(now, "status", "deadlines") : Changed(now, "status");
    }

    public Result AwaitConsumer(DateTimeOffset now)
    {
        if (Status != ComplaintStatus.Investigating)
        {
            return Illegal("await-consumer", "only a complaint under investigation can await the consumer");
        }

        Status = ComplaintStatus.AwaitingConsumer;
        return PauseInternalSla(now) ? Changed(now, "status", "deadlines") : Changed(now, "status");
    }

    public Result Assign(Guid assigneeId, DateTimeOffset now)
    {
        if (Status == ComplaintStatus.Closed)
        {
            return Illegal("assign", "a closed complaint cannot be assigned; reopen it first");
        }

        if (Status == ComplaintStatus.Merged)
        {
            return Illegal("assign", "a merged duplicate is handled through the complaint it was merged into");
        }

        if (AssigneeId == assigneeId)
        {
            return Error.Conflict("complaint.already_assigned", "The complaint is already assigned to that staff member.");
        }

        AssigneeId = assigneeId;
        return Changed(now, "assigneeId");
    }

    /// <summary>
    /// Moves the complaint to another of the tenant's queues, or out of every queue (<paramref name="queueId"/> null). The
    /// assignee stays: the queue says which team's agents may pick it up while it is unassigned. Regulatory clocks are
    /// untouched (a move never pauses or restarts them).
    /// </summary>
    public Result MoveToQueue(Guid? queueId, DateTimeOffset now)
    {
        if (Status == ComplaintStatus.Merged)
        {
            return Illegal("move", "a merged duplicate is handled through the complaint it was merged into");
        }

        if (QueueId == queueId)
        {
            return Error.Conflict("complaint.already_in_queue", queueId is null
                ? "The complaint is in no queue already."
                : "The complaint is already in that queue.");
        }

        QueueId = queueId;
        return Changed(now, "queueId");
    }

    /// <summary>
    /// Resolves the complaint. Within the profile's summary-resolution window (UK: end of the 3rd business day) this is a
    /// summary resolution; otherwise a final response. Either meets every response deadline.
    /// </summary>
    public Result Resolve(Resolution resolution, DateTimeOffset now) => Resolve(resolution, now, now);

    /// <summary>Resolves with the response given at <paramref name="at"/>: now, or when the final letter was sent
    /// (<see cref="RecordLetterSent"/>), which is when the clocks stop.</summary>
    private Result Resolve(Resolution resolution, DateTimeOffset at, DateTimeOffset now)
    {
        if (!IsOpen)
        {
            return Illegal("resolve", "only an open complaint (received, acknowledged, investigating, awaiting_consumer) can be resolved");
        }

        var summary = _deadlines.FirstOrDefault(d => d.Kind == DeadlineKind.SummaryResolution);
        var isSummary = summary is not null && at <= summary.DueAt;
        ResumeInternalSla(now);
        Status = ComplaintStatus.Resolved;
        Resolution = resolution;
        ResolvedAt = at;
        if (isSummary)
        {
            SummaryResolutionAt = at;
            Meet(DeadlineMetBy.SummaryResolution, at);
        }
        else
        {
            FinalResponseAt = at;
        }

        AddResponse(new ComplaintResponse(Ids.New(), Id, isSummary ? Complaints.ResponseType.SummaryResolution : Complaints.ResponseType.FinalResponse,
            at, null, now));

        Meet(DeadlineMetBy.Acknowledgement, at);
        Meet(DeadlineMetBy.FinalResponse, at);
        return Changed(now, "status", "outcome", "redress", "rootCause", "resolvedAt", isSummary ? "summaryResolutionAt" : "finalResponseAt",
            "responses");
    }

    public ResponseType? ResponseType =>
        SummaryResolutionAt is not null && FinalResponseAt is null ? Complaints.ResponseType.SummaryResolution
        : FinalResponseAt is not null ? Complaints.ResponseType.FinalResponse
        : null;

    public Result Close(DateTimeOffset now)
    {
        var canClose = Status == ComplaintStatus.Resolved
                       || (Status == ComplaintStatus.Referred && Referral?.Outcome is not null);
        if (!canClose)
        {
            return Illegal("close", Status == ComplaintStatus.Referred
                ? "a referred complaint can be closed once the referral outcome is recorded"
                : "only a resolved complaint can be closed");
        }

        Status = ComplaintStatus.Closed;
        ClosedAt = now;
        // The return measures the firm's response: the resolution when there was one (a referral after a timeout has none).
        ClosureBand = ClosureBands.Of(Profile.Calendar, ReceivedAt, ResolvedAt ?? now);
        return Changed(now, "status", "closedAt", "closureBand");
    }

    public Result Reopen(DateTimeOffset now)
    {
        if (Status != ComplaintStatus.Closed)
        {
            return Illegal("reopen", "only a closed complaint can be reopened");
        }

        Status = ComplaintStatus.Investigating;
        ReopenedAt = now;
        ClosedAt = null;
        ClosureBand = null;
        return Changed(now, "status", "reopenedAt", "closedAt", "closureBand");
    }

    /// <summary>
    /// Records a referral to an ombudsman or ADR body: after the firm's response (resolved or closed), or while the
    /// complaint is open once a response deadline has passed unmet (the consumer's right after 8 weeks, 6 weeks for EU261).
    /// </summary>
    public Result Refer(string body, string? externalReference, DateTimeOffset now)
    {
        var afterResponse = Status is ComplaintStatus.Resolved or ComplaintStatus.Closed;
        var afterTimeout = IsOpen && (_responses.Any(r => r.Type == Complaints.ResponseType.AdrLetter) || FinalResponseTimeRanOut(now));
        if (!afterResponse && !afterTimeout)
        {
            return Illegal("refer", Status == ComplaintStatus.Referred
                ? "the complaint is already referred"
                : "a complaint can be referred after the firm's response, or while open once a response deadline has passed");
        }

        Status = ComplaintStatus.Referred;
        Referral = new Referral(body.Trim(), externalReference?.Trim(), now, null, null);
        return Changed(now, "status", "referral");
    }

    /// <summary>
    /// Whether the time for a final response has run out: a deadline a final response meets is past due, and was not
    /// met by a response that made a later deadline bind (a PSD2 holding reply defers the consumer's right to the 35th
    /// business day). A DISP 1.6.2(2) holding response meets the 8-week deadline but does not defer the right: it tells
    /// the consumer they may now refer.
    /// </summary>
    private bool FinalResponseTimeRanOut(DateTimeOffset now)
    {
        var profile = RegulatoryProfiles.Get(ProfileCode, ProfileVersion);
        return _deadlines.Any(d => profile?.RuleFor(d.Kind) is { } rule && rule.IsMetBy(DeadlineMetBy.FinalResponse)
            && !d.Kind.IsOptional() && now > d.DueAt && (d.MetAt is null || !DeferredByLaterDeadline(profile, rule)));
    }

    private bool DeferredByLaterDeadline(RegulatoryProfile profile, DeadlineRule rule) =>
        profile.Rules.Any(later => later.BindsAfter is { } trigger && rule.AlsoMetBy.Contains(trigger)
            && _deadlines.Any(d => d.Kind == later.Kind));

    public Result RecordReferralOutcome(ReferralOutcome outcome, DateTimeOffset now)
    {
        if (Status != ComplaintStatus.Referred || Referral is null)
        {
            return Illegal("record the referral outcome of", "the complaint is not referred");
        }

        if (Referral.Outcome is not null)
        {
            return Error.Conflict("complaint.referral_outcome_recorded", "The referral outcome is already recorded.");
        }

        Referral = Referral with { Outcome = outcome, OutcomeAt = now };
        return Changed(now, "referralOutcome");
    }

    /// <summary>Changes the product and category (codes from the tenant's taxonomies, with their versions). Not on a merged duplicate.</summary>
    public Result Reclassify(string product, int? productVersion, string category, int? categoryVersion, DateTimeOffset now)
    {
        if (Status == ComplaintStatus.Merged)
        {
            return Illegal("reclassify", "a merged duplicate is classified through the complaint it was merged into");
        }

        var fields = new List<string>();
        if (Product != product.Trim() || ProductVersion != productVersion)
        {
            Product = product.Trim();
            ProductVersion = productVersion;
            fields.Add("product");
        }

        if (Category != category.Trim() || CategoryVersion != categoryVersion)
        {
            Category = category.Trim();
            CategoryVersion = categoryVersion;
            fields.Add("category");
        }

        return fields.Count == 0
            ? Error.Conflict("complaint.classification_unchanged", "The complaint already has that product and category.")
            : Changed(now, [.. fields]);
    }

    /// <summary>Records whether vulnerability is involved and, with the consumer's consent, its FG21/1 drivers (replacing earlier ones).</summary>
    public Result RecordVulnerability(ComplaintVulnerability vulnerability, DateTimeOffset now)
    {
        if (Status == ComplaintStatus.Merged)
        {
            return Illegal("record vulnerability on", "a merged duplicate is handled through the complaint it was merged into");
        }

        if (vulnerability.Involved == Vulnerability.Involved && vulnerability.ConsentGivenAt == Vulnerability.ConsentGivenAt
            && vulnerability.Drivers.SetEquals(Vulnerability.Drivers))
        {
            return Error.Conflict("complaint.vulnerability_unchanged", "The complaint already records that vulnerability.");
        }

        Vulnerability = vulnerability;
        return Changed(now, "vulnerability");
    }
}
