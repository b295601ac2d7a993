using Cms.Domain.Common;
using Cms.Domain.Regulation;

namespace Cms.Domain.Complaints;

// The regulatory clocks: responses meet deadlines, later events add deadlines, the internal SLA pauses and resumes.
public sealed partial class Complaint
{
    /// <summary>
    /// Records a holding response or an ADR (deadlock) letter sent at <paramref name="sentAt"/>. Summary resolutions and
    /// final responses are recorded by <see cref="Resolve(Resolution, DateTimeOffset)"/>. A holding response precedes the final response (the complaint
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
}

/// <summary>A tenant's clock settings that deadlines are computed with: its closure days and its internal SLA.</summary>
public sealed record TenantClock(ClosureDays Closures, InternalSla? InternalSla)
{
    public static TenantClock None { get; } = new(ClosureDays.None, null);
}
