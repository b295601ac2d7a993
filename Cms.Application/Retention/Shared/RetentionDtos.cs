using Cms.Domain.Retention;

namespace Cms.Application.Retention;

/// <summary>The tenant's retention schedule as the API shows it, with the regulatory floors it never goes below.</summary>
public sealed record RetentionScheduleDto(int AfterClosureDays, IReadOnlyDictionary<string, int> PerProfile, IReadOnlyList<string> MifidProducts)
{
    public static RetentionScheduleDto From(RetentionSchedule schedule) =>
        new(schedule.AfterClosureDays, schedule.PerProfile, schedule.MifidProducts);
}

/// <summary>One consumer the retention job erases next: when it became due and the rule that set that moment.</summary>
public sealed record RetentionPreviewItemDto(Guid ConsumerId, DateTimeOffset DueAt, string Reason, int Complaints, DateTimeOffset LastClosedAt);

/// <summary>A consumer not erased with at least one closed complaint, and every one of its complaints.</summary>
public sealed record RetentionCandidate(Guid ConsumerId, bool LegalHold, IReadOnlyList<RetainedComplaint> Complaints);

/// <summary>The retention schedule and the candidates' scan of the tenant in scope.</summary>
public interface IRetentionStore
{
    Task<RetentionSchedule> GetScheduleAsync(CancellationToken cancellationToken);

    Task SaveScheduleAsync(RetentionSchedule schedule, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Up to <paramref name="take"/> consumers after <paramref name="after"/> (by id), not erased, with a complaint
    /// closed before <paramref name="closedBefore"/>: the only ones that can be due (the decision then looks at all their
    /// complaints).</summary>
    Task<IReadOnlyList<RetentionCandidate>> CandidatesAsync(Guid? after, int take, DateTimeOffset closedBefore, CancellationToken cancellationToken);
}

/// <summary>A page of candidates decided at one moment: the scan and the decision the job and its preview share.</summary>
public sealed class RetentionReview(IRetentionStore store)
{
    /// <summary>The candidates after <paramref name="after"/> and their verdicts at <paramref name="now"/>; the last id
    /// scanned (null when the scan reached the end).</summary>
    public async Task<(IReadOnlyList<(RetentionCandidate Candidate, RetentionVerdict Verdict)> Decided, Guid? Last)> NextAsync(
        RetentionSchedule schedule, Guid? after, int take, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var candidates = await store.CandidatesAsync(after, take, now.AddDays(-schedule.ShortestDays), cancellationToken);
        var decided = candidates.Select(c => (c, RetentionDecision.Decide(schedule, c.LegalHold, c.Complaints, now))).ToList();
        return (decided, candidates.Count < take ? null : candidates[^1].ConsumerId);
    }
}
