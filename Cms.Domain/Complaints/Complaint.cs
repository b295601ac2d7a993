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
    private List<Deadline> _deadlines;

    private Complaint(ComplaintState s)
    {
        Id = s.Id;
        TenantId = s.TenantId;
        Reference = s.Reference;
        ConsumerId = s.ConsumerId;
        Channel = s.Channel;
        Product = s.Product;
        Category = s.Category;
        Description = s.Description;
        Priority = s.Priority;
        VulnerabilityInvolved = s.VulnerabilityInvolved;
        Flags = s.Flags;
        ProfileCode = s.ProfileCode;
        Status = s.Status;
        AssigneeId = s.AssigneeId;
        ReceivedAt = s.ReceivedAt;
        AcknowledgedAt = s.AcknowledgedAt;
        SummaryResolutionAt = s.SummaryResolutionAt;
        FinalResponseAt = s.FinalResponseAt;
        ResolvedAt = s.ResolvedAt;
        ClosedAt = s.ClosedAt;
        ReopenedAt = s.ReopenedAt;
        Resolution = s.Resolution;
        Referral = s.Referral;
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
    public string Product { get; }
    public string Category { get; }
    public string Description { get; }
    public Priority Priority { get; }
    public bool VulnerabilityInvolved { get; }
    public ComplaintFlags Flags { get; }
    public string ProfileCode { get; }
    public ComplaintStatus Status { get; private set; }
    public Guid? AssigneeId { get; private set; }
    public DateTimeOffset ReceivedAt { get; }
    public DateTimeOffset? AcknowledgedAt { get; private set; }
    public DateTimeOffset? SummaryResolutionAt { get; private set; }
    public DateTimeOffset? FinalResponseAt { get; private set; }
    public DateTimeOffset? ResolvedAt { get; private set; }
    public DateTimeOffset? ClosedAt { get; private set; }
    public DateTimeOffset? ReopenedAt { get; private set; }
    public Resolution? Resolution { get; private set; }
    public Referral? Referral { get; private set; }
    public IReadOnlyList<Deadline> Deadlines => _deadlines;
    public DateTimeOffset CreatedAt { get; }
    public DateTimeOffset UpdatedAt { get; private set; }
    public long Version { get; private set; }

    /// <summary>Field names changed since the aggregate was loaded or filed (for the audit entry; no values).</summary>
    public IReadOnlyList<string> PendingChanges => _changes;

    public bool IsOpen => Status is ComplaintStatus.Received or ComplaintStatus.Acknowledged
        or ComplaintStatus.Investigating or ComplaintStatus.AwaitingConsumer;

    /// <summary>The earliest unmet deadline that still binds, while the complaint is open; null otherwise.</summary>
    public DateTimeOffset? NextDueAt => NextDue(_deadlines, IsOpen);

    public static DateTimeOffset? NextDue(IEnumerable<Deadline> deadlines, bool isOpen)
    {
        if (!isOpen)
        {
            return null;
        }

        DateTimeOffset? next = null;
        foreach (var d in deadlines)
        {
            if (d.MetAt is null && !d.Kind.IsOptional() && (next is null || d.DueAt < next))
            {
                next = d.DueAt;
            }
        }

        return next;
    }

    public static Result<Complaint> File(Guid id, Guid tenantId, string reference, Guid consumerId, Channel channel,
        string product, string category, string description, Priority priority, bool vulnerabilityInvolved,
        ComplaintFlags flags, DateTimeOffset? receivedAt, RegulatoryProfile profile, DateTimeOffset now)
    {
        var received = receivedAt ?? now;
        if (received > now)
        {
            return Error.Validation("receivedAt", "The complaint cannot be received in the future.");
        }

        if (received < now.AddYears(-6))
        {
            return Error.Validation("receivedAt", "The complaint cannot have been received more than 6 years ago.");
        }

        var complaint = new Complaint(new ComplaintState
        {
            Id = id,
            TenantId = tenantId,
            Reference = reference,
            ConsumerId = consumerId,
            Channel = channel,
            Product = product.Trim(),
            Category = category.Trim(),
            Description = description,
            Priority = priority,
            VulnerabilityInvolved = vulnerabilityInvolved,
            Flags = flags,
            ProfileCode = profile.Code,
            Status = ComplaintStatus.Received,
            ReceivedAt = received,
            Deadlines = profile.ComputeDeadlines(received, flags),
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
        return Changed(now, "status");
    }

    public Result AwaitConsumer(DateTimeOffset now)
    {
        if (Status != ComplaintStatus.Investigating)
        {
            return Illegal("await-consumer", "only a complaint under investigation can await the consumer");
        }

        Status = ComplaintStatus.AwaitingConsumer;
        return Changed(now, "status");
    }

    public Result Assign(Guid assigneeId, DateTimeOffset now)
    {
        if (Status == ComplaintStatus.Closed)
        {
            return Illegal("assign", "a closed complaint cannot be assigned; reopen it first");
        }

        if (AssigneeId == assigneeId)
        {
            return Error.Conflict("complaint.already_assigned", "The complaint is already assigned to that staff member.");
        }

        AssigneeId = assigneeId;
        return Changed(now, "assigneeId");
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

        Meet(DeadlineMetBy.Acknowledgement, now);
        Meet(DeadlineMetBy.FinalResponse, now);
        return Changed(now, "status", "outcome", "redress", "rootCause", "resolvedAt", isSummary ? "summaryResolutionAt" : "finalResponseAt");
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
        return Changed(now, "status", "closedAt");
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
        return Changed(now, "status", "reopenedAt", "closedAt");
    }

    /// <summary>
    /// Records a referral to an ombudsman or ADR body: after the firm's response (resolved or closed), or while the
    /// complaint is open once a response deadline has passed unmet (the consumer's right after 8 weeks, 6 weeks for EU261).
    /// </summary>
    public Result Refer(string body, string? externalReference, DateTimeOffset now)
    {
        var afterResponse = Status is ComplaintStatus.Resolved or ComplaintStatus.Closed;
        var profile = RegulatoryProfiles.ByCode(ProfileCode);
        var afterTimeout = IsOpen && _deadlines.Any(d =>
            profile?.RuleFor(d.Kind)?.MetBy == DeadlineMetBy.FinalResponse && d.MetAt is null && now > d.DueAt);
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

    /// <summary>Marks loaded changes as saved (called by the repository after a successful write).</summary>
    public void ClearPendingChanges() => _changes.Clear();

    private void Meet(DeadlineMetBy by, DateTimeOffset now)
    {
        var profile = RegulatoryProfiles.ByCode(ProfileCode);
        for (var i = 0; i < _deadlines.Count; i++)
        {
            var d = _deadlines[i];
            var rule = profile?.RuleFor(d.Kind);
            if (d.MetAt is null && rule?.MetBy == by)
            {
                _deadlines[i] = d with { MetAt = now };
            }
        }
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
    public string Category { get; init; } = "";
    public string Description { get; init; } = "";
    public Priority Priority { get; init; }
    public bool VulnerabilityInvolved { get; init; }
    public ComplaintFlags Flags { get; init; } = ComplaintFlags.None;
    public string ProfileCode { get; init; } = "";
    public ComplaintStatus Status { get; init; }
    public Guid? AssigneeId { get; init; }
    public DateTimeOffset ReceivedAt { get; init; }
    public DateTimeOffset? AcknowledgedAt { get; init; }
    public DateTimeOffset? SummaryResolutionAt { get; init; }
    public DateTimeOffset? FinalResponseAt { get; init; }
    public DateTimeOffset? ResolvedAt { get; init; }
    public DateTimeOffset? ClosedAt { get; init; }
    public DateTimeOffset? ReopenedAt { get; init; }
    public Resolution? Resolution { get; init; }
    public Referral? Referral { get; init; }
    public IReadOnlyList<Deadline> Deadlines { get; init; } = [];
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
    public long Version { get; init; }
}
