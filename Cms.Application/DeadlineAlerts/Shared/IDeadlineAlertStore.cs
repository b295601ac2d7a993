using Cms.Domain.Regulation;

namespace Cms.Application.DeadlineAlerts;

/// <summary>An unmet, running deadline of an open complaint that is owed an alert not yet emitted.</summary>
public sealed record AlertCandidate(Guid ComplaintId, long ComplaintVersion, DeadlineKind Kind, DateTimeOffset DueAt);

/// <summary>The deadlines of the tenant in scope that are owed alerts, and the markers that make each alert happen once.</summary>
public interface IDeadlineAlertStore
{
    /// <summary>
    /// Up to <paramref name="limit"/> deadlines, most urgent first, that are unmet, not paused, not withdrawn, of a complaint
    /// neither closed nor merged, and owed at <paramref name="now"/> an alert they have no marker for: a breach when past
    /// due, an at-risk alert when due by <paramref name="atRiskUntil"/>.
    /// </summary>
    Task<IReadOnlyList<AlertCandidate>> CandidatesAsync(DateTimeOffset now, DateTimeOffset atRiskUntil, int limit, CancellationToken cancellationToken);

    /// <summary>Writes the alert's marker (deadline, kind, due instant); false when it exists already (another instance, an
    /// earlier pass): then the alert is not emitted again. Written in the transaction that emits the alert's event.</summary>
    Task<bool> MarkAsync(AlertCandidate candidate, DeadlineAlertKind kind, DateTimeOffset now, CancellationToken cancellationToken);
}
