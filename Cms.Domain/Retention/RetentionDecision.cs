namespace Cms.Domain.Retention;

/// <summary>What the retention schedule needs of one complaint of a consumer.</summary>
public sealed record RetainedComplaint(Guid Id, bool Closed, string ProfileCode, string Product, DateTimeOffset ReceivedAt, DateTimeOffset? ClosedAt);

/// <summary>What the retention job does with a consumer at a moment.</summary>
public enum RetentionAction
{
    /// <summary>Every complaint is closed and past its retention: the consumer's personal data is erased.</summary>
    Erase,

    /// <summary>Past retention, under a legal hold: kept.</summary>
    Held,

    /// <summary>Past retention for its closed complaints, but a complaint is still open (or resolved, referred): kept.</summary>
    OpenComplaint,

    /// <summary>Not yet past retention.</summary>
    NotYetDue,
}

/// <summary>The decision about one consumer: the action, when the data is due for erasure, and the rule that set that moment.</summary>
public sealed record RetentionVerdict(RetentionAction Action, DateTimeOffset? DueAt, string? Rule);

/// <summary>
/// The one place the schedule is applied (the job and its preview both call it, so the preview lists what the job does):
/// a consumer is due when every complaint is closed (or merged) and the latest of, over its complaints, closure plus the
/// schedule's days and receipt plus the profile's floor has passed. A legal hold or a complaint not closed keeps it.
/// </summary>
public static class RetentionDecision
{
    public static RetentionVerdict Decide(RetentionSchedule schedule, bool legalHold, IReadOnlyList<RetainedComplaint> complaints, DateTimeOffset now)
    {
        DateTimeOffset? dueAt = null;
        string? rule = null;
        foreach (var complaint in complaints.Where(c => c.Closed && c.ClosedAt is not null))
        {
            var days = schedule.DaysAfterClosure(complaint.ProfileCode);
            var afterClosure = complaint.ClosedAt!.Value.AddDays(days);
            var floor = RetentionFloors.For(complaint.ProfileCode, schedule.IsMifid(complaint.Product));
            var afterReceipt = complaint.ReceivedAt.AddYears(floor.Years);
            var (at, why) = afterReceipt > afterClosure
                ? (afterReceipt, floor.Rule)
                : (afterClosure, $"tenant schedule: {days} days after closure ({complaint.ProfileCode})");
            if (dueAt is null || at > dueAt)
            {
                (dueAt, rule) = (at, why);
            }
        }

        if (dueAt is null || dueAt > now)
        {
            return new RetentionVerdict(RetentionAction.NotYetDue, dueAt, rule);
        }

        if (complaints.Any(c => !c.Closed))
        {
            return new RetentionVerdict(RetentionAction.OpenComplaint, dueAt, rule);
        }

        return new RetentionVerdict(legalHold ? RetentionAction.Held : RetentionAction.Erase, dueAt, rule);
    }
}
