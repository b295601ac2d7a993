using Cms.Domain.Common;
using Cms.Domain.Regulation;

namespace Cms.Domain.Complaints;

/// <summary>
/// A complaint through its regulated lifecycle. Every transition is a method that refuses an illegal move with a
/// reason (409), bumps <see cref="Version"/> for optimistic concurrency and records which fields it changed, so the
/// handler can write the audit entry in the same transaction.
/// </summary>
public sealed class Complaint
{
    private readonly List<string> _changes = [];
    private readonly List<ComplaintResponse> _responses;
    private readonly List<ComplaintResponse> _addedResponses = [];
    private List<Deadline> _deadlines;

    private Complaint(ComplaintState s)
    {
        Id = s.Id;
        TenantId = s.TenantId;
        Reference = s.Reference;
        ConsumerId = s.ConsumerId;
        Channel = s.Channel;
        Product = s.Product;
        ProductVersion = s.ProductVersion;
        Category = s.Category;
        CategoryVersion = s.CategoryVersion;
        Description = s.Description;
        Priority = s.Priority;
        Vulnerability = s.Vulnerability ?? ComplaintVulnerability.None with { Involved = s.VulnerabilityInvolved };
        Flags = s.Flags;
        ProfileCode = s.ProfileCode;
        ProfileVersion = s.ProfileVersion;
        Status = s.Status;
        AssigneeId = s.AssigneeId;
        QueueId = s.QueueId;
        ReceivedAt = s.ReceivedAt;
        AcknowledgedAt = s.AcknowledgedAt;
        SummaryResolutionAt = s.SummaryResolutionAt;
        FinalResponseAt = s.FinalResponseAt;
        ResolvedAt = s.ResolvedAt;
        ClosedAt = s.ClosedAt;
        ReopenedAt = s.ReopenedAt;
        Resolution = s.Resolution;
        Referral = s.Referral;
        ClosureBand = s.ClosureBand;
        MergedIntoId = s.MergedIntoId;
        ProvisionalCreditAt = s.ProvisionalCreditAt;
        _responses = [.. s.Responses];
        _deadlines = [.. s.Deadlines];
        CreatedAt = s.CreatedAt;
        UpdatedAt = s.UpdatedAt;
        Version = s.Version;
    }

    public Guid Id { get; }
    public Guid TenantId { get; }
    public string Reference { get; }
    public Guid ConsumerId { get; }
    public Channel Channel { get; }
    public string Product { get; private set; }
    /// <summary>The version of the tenant's product taxonomy <see cref="Product"/> was chosen from (null: no taxonomy).</summary>
    public int? ProductVersion { get; private set; }
    public string Category { get; private set; }
    public int? CategoryVersion { get; private set; }
    public string Description { get; }
    public Priority Priority { get; }
    public bool VulnerabilityInvolved => Vulnerability.Involved;
    public ComplaintVulnerability Vulnerability { get; private set; }
    public ComplaintFlags Flags { get; private set; }
    public string ProfileCode { get; }

    /// <summary>The version of the profile the complaint was filed under: its deadlines are always computed with it.</summary>
    public int ProfileVersion { get; }
    public ComplaintStatus Status { get; private set; }
    public Guid? AssigneeId { get; private set; }
    /// <summary>The tenant's queue the complaint is in (at most one); null when it is in none (then only supervisors and
    /// tenant admins handle it while it is unassigned).</summary>
    public Guid? QueueId { get; private set; }
    public DateTimeOffset ReceivedAt { get; private set; }
    public DateTimeOffset? AcknowledgedAt { get; private set; }
    public DateTimeOffset? SummaryResolutionAt { get; private set; }
    public DateTimeOffset? FinalResponseAt { get; private set; }
    public DateTimeOffset? ResolvedAt { get; private set; }
    public DateTimeOffset? ClosedAt { get; private set; }
    public DateTimeOffset? ReopenedAt { get; private set; }
    public Resolution? Resolution { get; private set; }
    public Referral? Referral { get; private set; }
    /// <summary>Set when the complaint closes (from receipt to the firm's response, with the regulatory calendar); cleared on reopening.</summary>
    public ClosureBand? ClosureBand { get; private set; }
    /// <summary>The complaint this one was merged into, as a duplicate.</summary>
    public Guid? MergedIntoId { get; private set; }
    /// <summary>When provisional credit was given to the consumer's account (Regulation E, 12 CFR 1005.11(c)(2)(i)).</summary>
    public DateTimeOffset? ProvisionalCreditAt { get; private set; }
    public IReadOnlyList<ComplaintResponse> Responses => _responses;
    /// <summary>Responses recorded since the aggregate was loaded or filed (for the repository to insert).</summary>
    public IReadOnlyList<ComplaintResponse> AddedResponses => _addedResponses;
    public IReadOnlyList<Deadline> Deadlines => _deadlines;
    public DateTimeOffset CreatedAt { get; }
    public DateTimeOffset UpdatedAt { get; private set; }
    public long Version { get; private set; }

    /// <summary>Field names changed since the aggregate was loaded or filed (for the audit entry; no values).</summary>
    public IReadOnlyList<string> PendingChanges => _changes;

    public bool IsOpen => Status is ComplaintStatus.Received or ComplaintStatus.Acknowledged
        or ComplaintStatus.Investigating or ComplaintStatus.AwaitingConsumer;

    /// <summary>The profile version the complaint was filed under.</summary>
    public RegulatoryProfile Profile => RegulatoryProfiles.Get(ProfileCode, ProfileVersion)
        ?? throw new InvalidOperationException($"Regulatory profile {ProfileCode} version {ProfileVersion} is not defined.");

    /// <summary>The earliest unmet regulatory deadline that still binds, while the complaint is open; null otherwise.</summary>
    public DateTimeOffset? NextDueAt => NextDueDeadline(_deadlines, IsOpen)?.DueAt;

    /// <summary>The kind of <see cref="NextDueAt"/>.</summary>
    public DeadlineKind? NextDueKind => NextDueDeadline(_deadlines, IsOpen)?.Kind;

    public static DateTimeOffset? NextDue(IEnumerable<Deadline> deadlines, bool isOpen) => NextDueDeadline(deadlines, isOpen)?.DueAt;

    /// <summary>The internal SLA, when the tenant has one; it pauses while awaiting the consumer and is not in <see cref="NextDueAt"/>.</summary>
    public Deadline? InternalSlaDeadline => _deadlines.FirstOrDefault(d => d.Kind == DeadlineKind.InternalSla);

    private static Deadline? NextDueDeadline(IEnumerable<Deadline> deadlines, bool isOpen)
    {
        if (!isOpen)
        {
            return null;
        }

        Deadline? next = null;
        foreach (var d in deadlines)
        {
            if (d.MetAt is null && !d.Kind.IsOptional() && d.Kind.IsRegulatory()
                && (next is null || d.DueAt < next.DueAt || (d.DueAt == next.DueAt && d.Kind < next.Kind)))
            {
                next = d;
            }
        }

        return next;
    }

    public static Result<Complaint> File(Guid id, Guid tenantId, string reference, Guid consumerId, Channel channel,
        string product, string category, string description, Priority priority, bool vulnerabilityInvolved,
        ComplaintFlags flags, DateTimeOffset? receivedAt, RegulatoryProfile profile, DateTimeOffset now,
        ClosureDays? closures = null, InternalSla? internalSla = null, int? productVersion = null, int? categoryVersion = null,
        Guid? queueId = null)
    {
        var received = receivedAt ?? now;
        if (CheckReceivedAt(received, now, now) is { } invalid)
        {
            return invalid;
        }

        List<Deadline> deadlines = [.. profile.ComputeDeadlines(received, flags, closures)];
        if (internalSla is not null)
        {
            deadlines.Add(new Deadline(DeadlineKind.InternalSla, profile.InternalSlaDueAt(received, internalSla, closures), null));
        }

        var complaint = new Complaint(new ComplaintState
        {
            Id = id,
            TenantId = tenantId,
            Reference = reference,
            ConsumerId = consumerId,
            Channel = channel,
            Product = product.Trim(),
            ProductVersion = productVersion,
            Category = category.Trim(),
            CategoryVersion = categoryVersion,
            Description = description,
            Priority = priority,
            VulnerabilityInvolved = vulnerabilityInvolved,
            Flags = flags,
            ProfileCode = profile.Code,
            ProfileVersion = profile.Version,
            Status = ComplaintStatus.Received,
            QueueId = queueId,
            ReceivedAt = received,
            Deadlines = deadlines,
            CreatedAt = now,
            UpdatedAt = now,
            Version = 1,
        });
        return complaint;
    }

    public static Complaint Restore(ComplaintState state) => new(state);

    public Result Acknowledge(DateTimeOffset now)
    {
        if (Status != ComplaintStatus.Received)
        {
            return Illegal("acknowledge", "only a received complaint can be acknowledged");
        }

        Status = ComplaintStatus.Acknowledged;
        AcknowledgedAt = now;
        Meet(DeadlineMetBy.Acknowledgement, now);
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
    public Result Resolve(Resolution resolution, DateTimeOffset now)
    {
        if (!IsOpen)
        {
            return Illegal("resolve", "only an open complaint (received, acknowledged, investigating, awaiting_consumer) can be resolved");
        }

        var summary = _deadlines.FirstOrDefault(d => d.Kind == DeadlineKind.SummaryResolution);
        var isSummary = summary is not null && now <= summary.DueAt;
        ResumeInternalSla(now);
        Status = ComplaintStatus.Resolved;
        Resolution = resolution;
        ResolvedAt = now;
        if (isSummary)
        {
            SummaryResolutionAt = now;
            Meet(DeadlineMetBy.SummaryResolution, now);
        }
        else
        {
            FinalResponseAt = now;
        }

        AddResponse(new ComplaintResponse(Ids.New(), Id, isSummary ? Complaints.ResponseType.SummaryResolution : Complaints.ResponseType.FinalResponse,
            now, null, now));

        Meet(DeadlineMetBy.Acknowledgement, now);
        Meet(DeadlineMetBy.FinalResponse, now);
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

    /// <summary>
    /// Records a holding response or an ADR (deadlock) letter sent at <paramref name="sentAt"/>. Summary resolutions and
    /// final responses are recorded by <see cref="Resolve"/>. A holding response precedes the final response (the complaint
    /// is open); an ADR letter is sent while open (timeout) or after the final response (deadlock). The response meets
    /// the deadlines its profile version lets it meet (at <paramref name="sentAt"/>: a reply sent late is met late, so
    /// breached), and a deadline that binds after it is added, computed with <paramref name="clock"/>'s closure days.
    /// </summary>
    public Result RecordResponse(Guid id, ResponseType type, DateTimeOffset sentAt, Guid? recordedBy, TenantClock clock, DateTimeOffset now)
    {
        if (type is not (Complaints.ResponseType.HoldingResponse or Complaints.ResponseType.AdrLetter))
        {
            return Error.Validation("type", "Summary resolutions and final responses are recorded by resolving the complaint; record holding_response or adr_letter here.");
        }

        if (sentAt > now)
        {
            return Error.Validation("sentAt", "A response cannot be sent in the future.");
        }

        if (sentAt < ReceivedAt)
        {
            return Error.Validation("sentAt", "A response cannot be sent before the complaint was received.");
        }

        var allowed = type == Complaints.ResponseType.HoldingResponse ? IsOpen : IsOpen || Status == ComplaintStatus.Resolved;
        if (!allowed)
        {
            return Illegal($"record a {type.ToWire()} on", type == Complaints.ResponseType.HoldingResponse
                ? "a holding response is sent while the complaint is open"
                : "an ADR letter is sent while the complaint is open or after the final response");
        }

        AddResponse(new ComplaintResponse(id, Id, type, sentAt, recordedBy, now));
        var clockEvent = type == Complaints.ResponseType.HoldingResponse ? DeadlineMetBy.HoldingResponse : DeadlineMetBy.AdrLetter;
        var deadlinesChanged = Meet(clockEvent, sentAt) | AddDeadlinesThatNowBind(clock);
        return deadlinesChanged ? Changed(now, "responses", "deadlines") : Changed(now, "responses");
    }

    /// <summary>
    /// Records that provisional credit was given to the consumer's account at <paramref name="creditedAt"/> (Regulation E,
    /// 12 CFR 1005.11(c)(2)(i)): under a profile version that models it, it meets the 10-business-day investigation
    /// deadline (late credit is a breach) and makes the 45-day deadline bind. A dated event, recorded once (like a
    /// response); allowed in every status but merged, as the other facts that drive the deadlines.
    /// </summary>
    public Result RecordProvisionalCredit(DateTimeOffset creditedAt, TenantClock clock, DateTimeOffset now)
    {
        if (Status == ComplaintStatus.Merged)
        {
            return Illegal("record provisional credit on", "a merged duplicate is handled through the complaint it was merged into");
        }

        if (ProvisionalCreditAt is not null)
        {
            return Error.Conflict("complaint.provisional_credit_recorded", "Provisional credit is already recorded on this complaint.");
        }

        var credited = creditedAt.ToUniversalTime();
        if (credited > now)
        {
            return Error.Validation("creditedAt", "Provisional credit cannot be given in the future.");
        }

        if (credited < ReceivedAt)
        {
            return Error.Validation("creditedAt", "Provisional credit cannot be given before the complaint was received.");
        }

        ProvisionalCreditAt = credited;
        var deadlinesChanged = Meet(DeadlineMetBy.ProvisionalCredit, credited) | AddDeadlinesThatNowBind(clock);
        return deadlinesChanged ? Changed(now, "provisionalCreditAt", "deadlines") : Changed(now, "provisionalCreditAt");
    }

    /// <summary>Meets every unmet deadline whose event already happened and adds those that bind after one; whether any changed.</summary>
    private bool MeetFromHistory(TenantClock clock)
    {
        var profile = Profile;
        var changed = false;
        for (var i = 0; i < _deadlines.Count; i++)
        {
            if (_deadlines[i].MetAt is null && MetByHistory(profile, _deadlines[i].Kind) is { } metAt)
            {
                _deadlines[i] = _deadlines[i] with { MetAt = metAt };
                changed = true;
            }
        }

        return AddDeadlinesThatNowBind(clock) || changed;
    }

    /// <summary>Adds the deadlines that bind after an event that has now happened (computed from receipt, with the
    /// tenant's closure days); the deadlines already held are left as they are.</summary>
    private bool AddDeadlinesThatNowBind(TenantClock clock)
    {
        var profile = Profile;
        var added = profile.ComputeDeadlines(ReceivedAt, Flags, clock.Closures, OccurredEvents())
            .Where(d => _deadlines.All(o => o.Kind != d.Kind))
            .Select(d => d with { MetAt = MetByHistory(profile, d.Kind) })
            .ToList();
        _deadlines.AddRange(added);
        return added.Count > 0;
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

    /// <summary>
    /// Computes every deadline again from the facts: the set follows the flags, due instants follow the receipt date
    /// (plus, for the internal SLA, the time it has spent paused). A deadline already met keeps its met instant; one
    /// that newly applies is met if its meeting event already happened (e.g. a disability flag set after the final
    /// response). With no internal SLA configured now, an existing SLA deadline is kept as it was.
    /// </summary>
    private void RecomputeDeadlines(TenantClock clock, DateTimeOffset now)
    {
        var profile = Profile;
        List<Deadline> fresh = [.. profile.ComputeDeadlines(ReceivedAt, Flags, clock.Closures, OccurredEvents())];
        var sla = InternalSlaDeadline;
        if (clock.InternalSla is { } target)
        {
            fresh.Add(new Deadline(DeadlineKind.InternalSla, profile.InternalSlaDueAt(ReceivedAt, target, clock.Closures), null));
        }
        else if (sla is not null)
        {
            fresh.Add(sla);
        }

        _deadlines = [.. fresh.Select(d =>
        {
            var old = _deadlines.FirstOrDefault(o => o.Kind == d.Kind);
            if (ReferenceEquals(old, d))
            {
                return d;
            }

            var metAt = old?.MetAt ?? MetByHistory(profile, d.Kind);
            var pausedFor = old?.PausedFor ?? TimeSpan.Zero;
            var pausedAt = d.Kind == DeadlineKind.InternalSla && metAt is null && Status == ComplaintStatus.AwaitingConsumer
                ? old?.PausedAt ?? now
                : (DateTimeOffset?)null;
            return d with { DueAt = d.DueAt + pausedFor, MetAt = metAt, PausedAt = pausedAt, PausedFor = pausedFor };
        })];
    }

    /// <summary>When a deadline that starts to apply now was already met by what happened earlier: the earliest of the
    /// events that meet it.</summary>
    private DateTimeOffset? MetByHistory(RegulatoryProfile profile, DeadlineKind kind) =>
        MetByOf(profile, kind).Select(EventAt).Where(at => at is not null).Min();

    /// <summary>When an event the clocks react to first happened (null: not yet).</summary>
    private DateTimeOffset? EventAt(DeadlineMetBy @event) => @event switch
    {
        DeadlineMetBy.Acknowledgement => AcknowledgedAt ?? ResolvedAt,
        DeadlineMetBy.SummaryResolution => SummaryResolutionAt,
        DeadlineMetBy.FinalResponse => ResolvedAt,
        DeadlineMetBy.HoldingResponse => FirstSent(Complaints.ResponseType.HoldingResponse),
        DeadlineMetBy.AdrLetter => FirstSent(Complaints.ResponseType.AdrLetter),
        DeadlineMetBy.ProvisionalCredit => ProvisionalCreditAt,
        _ => null,
    };

    private DateTimeOffset? FirstSent(ResponseType type) =>
        _responses.Where(r => r.Type == type).Select(r => (DateTimeOffset?)r.SentAt).Min();

    /// <summary>The events that have happened, for the rules that bind only after one.</summary>
    private HashSet<DeadlineMetBy> OccurredEvents() => [.. Enum.GetValues<DeadlineMetBy>().Where(e => EventAt(e) is not null)];

    private static IEnumerable<DeadlineMetBy> MetByOf(RegulatoryProfile? profile, DeadlineKind kind) =>
        kind == DeadlineKind.InternalSla ? [DeadlineMetBy.FinalResponse]
        : profile?.RuleFor(kind) is { } rule ? [rule.MetBy, .. rule.AlsoMetBy]
        : [];

    private static Error? CheckReceivedAt(DateTimeOffset received, DateTimeOffset latest, DateTimeOffset now)
    {
        if (received > latest)
        {
            return Error.Validation("receivedAt", received > now
                ? "The complaint cannot be received in the future."
                : "The complaint cannot have been received after it was filed.");
        }

        return received < now.AddYears(-6)
            ? Error.Validation("receivedAt", "The complaint cannot have been received more than 6 years ago.")
            : null;
    }

    /// <summary>Stops the internal SLA's clock (awaiting the consumer). Regulatory clocks run on.</summary>
    private bool PauseInternalSla(DateTimeOffset now)
    {
        var i = _deadlines.FindIndex(d => d.Kind == DeadlineKind.InternalSla && d.MetAt is null && d.PausedAt is null);
        if (i < 0)
        {
            return false;
        }

        _deadlines[i] = _deadlines[i] with { PausedAt = now };
        return true;
    }

    /// <summary>Restarts the internal SLA's clock: the time spent paused pushes its due instant back.</summary>
    private bool ResumeInternalSla(DateTimeOffset now)
    {
        var i = _deadlines.FindIndex(d => d.Kind == DeadlineKind.InternalSla && d.PausedAt is not null);
        if (i < 0)
        {
            return false;
        }

        var d = _deadlines[i];
        var paused = now - d.PausedAt!.Value;
        _deadlines[i] = d with { DueAt = d.DueAt + paused, PausedAt = null, PausedFor = d.PausedFor + paused };
        return true;
    }

    /// <summary>Marks loaded changes as saved (called by the repository after a successful write).</summary>
    public void ClearPendingChanges()
    {
        _changes.Clear();
        _addedResponses.Clear();
    }

    private void AddResponse(ComplaintResponse response)
    {
        _responses.Add(response);
        _addedResponses.Add(response);
    }

    /// <summary>Meets, at <paramref name="at"/>, every unmet deadline that <paramref name="by"/> meets; whether any was.</summary>
    private bool Meet(DeadlineMetBy by, DateTimeOffset at)
    {
        var profile = RegulatoryProfiles.Get(ProfileCode, ProfileVersion);
        var met = false;
        for (var i = 0; i < _deadlines.Count; i++)
        {
            var d = _deadlines[i];
            if (d.MetAt is null && MetByOf(profile, d.Kind).Contains(by))
            {
                _deadlines[i] = d with { MetAt = at };
                met = true;
            }
        }

        return met;
    }

    private Result Changed(DateTimeOffset now, params string[] fields)
    {
        foreach (var f in fields)
        {
            if (!_changes.Contains(f))
            {
                _changes.Add(f);
            }
        }

        UpdatedAt = now;
        Version++;
        return Result.Success();
    }

    private Error Illegal(string action, string reason) =>
        new(ErrorKind.Conflict, "complaint.illegal_transition",
            $"Cannot {action} a complaint in status '{Status.ToWire()}': {reason}.");
}

/// <summary>The stored state of a complaint, used to file and to restore the aggregate.</summary>
public sealed class ComplaintState
{
    public Guid Id { get; init; }
    public Guid TenantId { get; init; }
    public string Reference { get; init; } = "";
    public Guid ConsumerId { get; init; }
    public Channel Channel { get; init; }
    public string Product { get; init; } = "";
    public int? ProductVersion { get; init; }
    public string Category { get; init; } = "";
    public int? CategoryVersion { get; init; }
    public string Description { get; init; } = "";
    public Priority Priority { get; init; }
    public bool VulnerabilityInvolved { get; init; }
    /// <summary>Involvement with drivers and consent; when null, <see cref="VulnerabilityInvolved"/> alone (no drivers).</summary>
    public ComplaintVulnerability? Vulnerability { get; init; }
    public ComplaintFlags Flags { get; init; } = ComplaintFlags.None;
    public string ProfileCode { get; init; } = "";
    public int ProfileVersion { get; init; } = 1;
    public ComplaintStatus Status { get; init; }
    public Guid? AssigneeId { get; init; }
    public Guid? QueueId { get; init; }
    public DateTimeOffset ReceivedAt { get; init; }
    public DateTimeOffset? AcknowledgedAt { get; init; }
    public DateTimeOffset? SummaryResolutionAt { get; init; }
    public DateTimeOffset? FinalResponseAt { get; init; }
    public DateTimeOffset? ResolvedAt { get; init; }
    public DateTimeOffset? ClosedAt { get; init; }
    public DateTimeOffset? ReopenedAt { get; init; }
    public Resolution? Resolution { get; init; }
    public Referral? Referral { get; init; }
    public ClosureBand? ClosureBand { get; init; }
    public Guid? MergedIntoId { get; init; }
    public DateTimeOffset? ProvisionalCreditAt { get; init; }
    public IReadOnlyList<ComplaintResponse> Responses { get; init; } = [];
    public IReadOnlyList<Deadline> Deadlines { get; init; } = [];
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
    public long Version { get; init; }
}

/// <summary>A tenant's clock settings that deadlines are computed with: its closure days and its internal SLA.</summary>
public sealed record TenantClock(ClosureDays Closures, InternalSla? InternalSla)
{
    public static TenantClock None { get; } = new(ClosureDays.None, null);
}
