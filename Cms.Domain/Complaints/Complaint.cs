using Cms.Domain.Common;
using Cms.Domain.Regulation;

namespace Cms.Domain.Complaints;

/// <summary>
/// A complaint through its regulated lifecycle. Every transition is a method that refuses an illegal move with a
/// reason (409), bumps <see cref="Version"/> for optimistic concurrency and records which fields it changed, so the
/// handler can write the audit entry in the same transaction.
/// </summary>
public sealed partial class Complaint
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

    /// <summary>Files a new complaint: received now unless the filing says otherwise, its deadlines computed from receipt
    /// with the filing's profile and the tenant's clock.</summary>
    public static Result<Complaint> File(ComplaintFiling filing, DateTimeOffset now)
    {
        var received = filing.ReceivedAt ?? now;
        if (CheckReceivedAt(received, now, now) is { } invalid)
        {
            return invalid;
        }

        var profile = filing.Profile;
        var closures = filing.Clock.Closures;
        List<Deadline> deadlines = [.. profile.ComputeDeadlines(received, filing.Flags, closures)];
        if (filing.Clock.InternalSla is { } internalSla)
        {
            deadlines.Add(new Deadline(DeadlineKind.InternalSla, profile.InternalSlaDueAt(received, internalSla, closures), null));
        }

        var complaint = new Complaint(new ComplaintState
        {
            Id = filing.Id,
            TenantId = filing.TenantId,
            Reference = filing.Reference,
            ConsumerId = filing.ConsumerId,
            Channel = filing.Channel,
            Product = filing.Product.Trim(),
            ProductVersion = filing.ProductVersion,
            Category = filing.Category.Trim(),
            CategoryVersion = filing.CategoryVersion,
            Description = filing.Description,
            Priority = filing.Priority,
            VulnerabilityInvolved = filing.VulnerabilityInvolved,
            Flags = filing.Flags,
            ProfileCode = profile.Code,
            ProfileVersion = profile.Version,
            Status = ComplaintStatus.Received,
            QueueId = filing.QueueId,
            ReceivedAt = received,
            Deadlines = deadlines,
            CreatedAt = now,
            UpdatedAt = now,
            Version = 1,
        });
        return complaint;
    }

    public static Complaint Restore(ComplaintState state) => new(state);

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
