using Cms.Application.Abstractions;
using Cms.Application.Audit;
using Cms.Domain.Common;
using Cms.Domain.Regulation;

namespace Cms.Application.DeadlineAlerts.EmitDeadlineAlerts;

/// <summary>
/// One batch of deadline alerts for the tenant in scope, in one transaction (run by the scheduler through the tenant's
/// unit of work, as a command runs): each owed alert writes its marker and, only if the marker is new, its event
/// (<c>deadline.at_risk</c> or <c>deadline.breached</c>, about the complaint, naming the deadline) through the audit trail
/// into the feed and the webhooks. The marker's key makes the alert exactly-once across passes, restarts and instances:
/// a second writer of the same marker waits for the first and then writes nothing (docs/adr/0016).
/// </summary>
public sealed class DeadlineAlertPass(IDeadlineAlertStore store, ITenantClockRepository clocks, CallerContext caller, AuditTrail audit)
{
    public const int BatchSize = 200;

    /// <summary>The actor the audit trail records for alerts: the service's own scheduler, not a person.</summary>
    public const string SchedulerActor = "cms:deadline-alerts";

    /// <summary>Emits the owed alerts of one batch at <paramref name="now"/>; answers the batch's size and how many it emitted.</summary>
    public async Task<(int Seen, int Emitted)> RunAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        caller.SetPlatform(SchedulerActor);
        var atRiskDays = (await clocks.GetSettingsAsync(cancellationToken)).AtRiskDays;
        var candidates = await store.CandidatesAsync(now, now.AddDays(atRiskDays), BatchSize, cancellationToken);
        var emitted = 0;
        foreach (var candidate in candidates)
        {
            if (Domain.Regulation.DeadlineAlerts.Owed(candidate.DueAt, now, atRiskDays) is not { } kind
                || !await store.MarkAsync(candidate, kind, now, cancellationToken))
            {
                continue;
            }

            await audit.RecordAsync(kind == DeadlineAlertKind.AtRisk ? "deadline.at_risk" : "deadline.breached", AuditTrail.Complaint,
                candidate.ComplaintId, candidate.ComplaintVersion, [$"deadlines.{candidate.Kind.ToWire()}"], cancellationToken);
            emitted++;
        }

        return (candidates.Count, emitted);
    }
}
