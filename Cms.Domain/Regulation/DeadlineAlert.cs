namespace Cms.Domain.Regulation;

/// <summary>The alerts a deadline raises, each once: entering the tenant's at-risk window, and passing unmet.</summary>
public enum DeadlineAlertKind
{
    AtRisk,
    Breached,
}

public static class DeadlineAlerts
{
    /// <summary>
    /// The alert an unmet, running deadline due at <paramref name="dueAt"/> is owed at <paramref name="now"/>: breached once
    /// past due (as <see cref="Deadline.IsBreached"/> judges it), at risk from <paramref name="atRiskDays"/> before it
    /// (the window of the due list's <c>atRisk</c>); null before that. A deadline first looked at after it passed is owed
    /// its breach only: an at-risk alert then would be news of the past.
    /// </summary>
    public static DeadlineAlertKind? Owed(DateTimeOffset dueAt, DateTimeOffset now, int atRiskDays) =>
        now > dueAt ? DeadlineAlertKind.Breached
        : now >= dueAt.AddDays(-atRiskDays) ? DeadlineAlertKind.AtRisk
        : null;
}
