using Cms.Application.Abstractions;
using Cms.Application.Consumers;
using Cms.Domain.Retention;

namespace Cms.Application.Retention.EraseDueConsumers;

/// <summary>What one batch of the retention job did, and where the scan stands after it (null: it reached the end).</summary>
public sealed record RetentionBatch(int Scanned, int Erased, int Held, int Skipped, Guid? Last);

/// <summary>
/// One batch of the retention job for the tenant in scope, in one transaction (run by the runner through the tenant's unit
/// of work, as a command runs): the candidates after the cursor are decided at <c>now</c> (<see cref="RetentionReview"/>,
/// as the preview decides them) and each one due is erased through <see cref="ConsumerErasure.EraseAsync"/>, the erasure
/// request's path (the same locked read, with the unsealed text read along), under the job's own actor. A consumer changed meanwhile (a hold set, already erased by another instance) is
/// refused by the domain or by its version and counted as skipped, never as an error.
/// </summary>
public sealed class RetentionPass(IRetentionStore store, RetentionReview review, ConsumerErasure erasure, CallerContext caller)
{
    /// <summary>The actor the audit trail records for the job's erasures: the service's own job, not a person.</summary>
    public const string JobActor = "cms:retention";

    public async Task<RetentionBatch> RunAsync(Guid? after, int batchSize, DateTimeOffset now, CancellationToken cancellationToken)
    {
        caller.SetPlatform(JobActor);
        var schedule = await store.GetScheduleAsync(cancellationToken);
        var (decided, last) = await review.NextAsync(schedule, after, batchSize, now, cancellationToken);
        int erased = 0, held = 0, skipped = 0;
        foreach (var (candidate, verdict) in decided)
        {
            switch (verdict.Action)
            {
                case RetentionAction.Held:
                    held++;
                    break;
                case RetentionAction.OpenComplaint:
                    skipped++;
                    break;
                case RetentionAction.Erase:
                    if ((await erasure.EraseAsync(candidate.ConsumerId, cancellationToken)).IsSuccess)
                    {
                        erased++;
                    }
                    else
                    {
                        skipped++;
                    }

                    break;
            }
        }

        return new RetentionBatch(decided.Count, erased, held, skipped, last);
    }
}
