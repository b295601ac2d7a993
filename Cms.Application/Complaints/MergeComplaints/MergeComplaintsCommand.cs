using Cms.Application.Abstractions;
using Cms.Application.Audit;
using Cms.Application.Common;
using Cms.Domain.Common;
using Cms.Domain.Complaints;
using Mediator;

namespace Cms.Application.Complaints.MergeComplaints;

/// <summary>
/// Merges a duplicate into the complaint named in the route (the survivor, guarded by If-Match). The survivor keeps the
/// earliest received date (its deadlines follow it); the duplicate is closed as merged and points to the survivor; notes,
/// responses and the audit history of both stay readable through the survivor. Both must be the caller's tenant's (another
/// tenant's id is not found), open, and of the same consumer; an agent must be allowed to handle both.
/// </summary>
public sealed record MergeComplaintsCommand(Guid ComplaintId, long ExpectedVersion, Guid DuplicateId)
    : ICommand<Result<ComplaintDto>>, IComplaintTransition
{
    UseCase IUseCaseMessage.UseCase => UseCase.MergeComplaints;
}

public sealed class MergeComplaintsValidator : IValidator<MergeComplaintsCommand>
{
    public void Validate(MergeComplaintsCommand request, ValidationErrors errors) => errors.Id("duplicateId", request.DuplicateId);
}

internal sealed class MergeComplaintsHandler(
    ITenantClockRepository clocks, IComplaintRepository complaints, IComplaintQueries queries, CallerContext caller, AuditTrail audit, TimeProvider clock)
    : ComplaintTransitionHandler<MergeComplaintsCommand>(complaints, queries, caller, audit, clock)
{
    private readonly IComplaintRepository _complaints = complaints;
    private readonly AuditTrail _audit = audit;

    protected override string Action => "complaint.merged";

    /// <summary>The audit action of a duplicate merged earlier that now points at the new survivor.</summary>
    public const string MergeRepointed = "complaint.merge_repointed";

    // The duplicate, loaded with the survivor (this handler serves one request: it is scoped).
    private Complaint? _duplicate;

    /// <summary>Both complaints in one round trip, both locked (in id order: two merges of one pair cannot deadlock), the
    /// duplicate with the complaints merged into it, so that every write of the merge travels with COMMIT (docs/adr/0011).</summary>
    protected override async Task<Complaint?> LoadAsync(MergeComplaintsCommand command, CancellationToken cancellationToken)
    {
        var loaded = await _complaints.GetForUpdateAsync([command.ComplaintId, command.DuplicateId], cancellationToken);
        _duplicate = loaded.GetValueOrDefault(command.DuplicateId); // the survivor itself when merged into itself: Merge refuses it
        return loaded.GetValueOrDefault(command.ComplaintId);
    }

    protected override async ValueTask<Result> ApplyAsync(Complaint survivor, MergeComplaintsCommand command, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var duplicate = _duplicate;
        if (duplicate is null)
        {
            return Error.NotFound("complaint");
        }

        if (Permissions.CheckHandles(Caller.RequiredStaff, duplicate, "merges only") is { } forbidden)
        {
            return forbidden;
        }

        var duplicateVersion = duplicate.Version;
        // Deadlines are computed again from the earliest received date, with the closure days and SLA that apply from it.
        var earliest = duplicate.ReceivedAt < survivor.ReceivedAt ? duplicate.ReceivedAt : survivor.ReceivedAt;
        var tenantClock = await TenantClocks.ForAsync(clocks, survivor.Profile, earliest, cancellationToken);
        var merged = survivor.Merge(duplicate, tenantClock, now);
        if (!merged.IsSuccess)
        {
            return merged;
        }

        // The duplicate is written first, under its own version guard: a concurrent change to it fails the merge.
        if (!await _complaints.UpdateAsync(duplicate, duplicateVersion, cancellationToken))
        {
            return Error.Conflict("complaint.merge_conflict", "The duplicate changed while it was being merged; read both complaints and retry.");
        }

        await _audit.RecordAsync("complaint.merged_into", AuditTrail.Complaint, duplicate.Id, duplicate.Version, [.. duplicate.PendingChanges], cancellationToken);
        duplicate.ClearPendingChanges();

        // Duplicates merged into the duplicate earlier now follow it into the survivor, so the survivor's family stays one
        // level deep (its notes, responses and history are read through merged_into_id). Their mergedIntoId changes, so
        // their version does (an ETag never names two states), and each change is recorded like any other: an audit
        // entry and a change-feed event in this transaction.
        foreach (var repointed in await _complaints.RepointMergedAsync(duplicate, survivor.Id, cancellationToken))
        {
            await _audit.RecordAsync(MergeRepointed, AuditTrail.Complaint, repointed.Id, repointed.Version, ["mergedIntoId"], cancellationToken);
        }

        return Result.Success();
    }
}
