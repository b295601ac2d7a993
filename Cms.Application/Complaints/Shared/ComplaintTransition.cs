using Cms.Application.Abstractions;
using Cms.Application.Audit;
using Cms.Application.Common;
using Cms.Domain.Common;
using Cms.Domain.Complaints;
using Mediator;

namespace Cms.Application.Complaints;

/// <summary>A lifecycle step on one complaint, guarded by the version the caller last read (If-Match).</summary>
public interface IComplaintTransition : IUseCaseMessage, IComplaintScoped
{
    long ExpectedVersion { get; }
}

/// <summary>Checks shared by every transition: the id, and a version from an ETag.</summary>
public sealed class ComplaintTransitionValidator<T> : IValidator<T> where T : IComplaintTransition
{
    public void Validate(T request, ValidationErrors errors)
    {
        errors.Id("id", request.ComplaintId);
        if (request.ExpectedVersion < 1)
        {
            errors.Add("If-Match", "'If-Match' must carry the ETag of the complaint as last read.");
        }
    }
}

/// <summary>
/// The one way every transition runs: load (another tenant's id is not found), check the version (412 when stale),
/// check that an agent acts only on its own complaints or unassigned ones in its queues (Permissions.MayHandle), apply the domain rule (409 when illegal), save
/// with the version guard (a lost race is 412, never a silent overwrite), audit in the same transaction (with the changed
/// fields' old and new values), and answer
/// with the complaint as a GET would show it, built from what was written. On PostgreSQL the load locks the row, the
/// update, audit entry and event travel with COMMIT: three round trips with the caller's (docs/adr/0011).
/// </summary>
public abstract class ComplaintTransitionHandler<TCommand>(
    IComplaintRepository complaints, IComplaintQueries queries, CallerContext caller, AuditTrail audit, TimeProvider clock)
    : ICommandHandler<TCommand, Result<ComplaintDto>>
    where TCommand : ICommand<Result<ComplaintDto>>, IComplaintTransition
{
    /// <summary>The audit action, e.g. <c>complaint.acknowledged</c>.</summary>
    protected abstract string Action { get; }

    protected CallerContext Caller => caller;

    public async ValueTask<Result<ComplaintDto>> Handle(TCommand command, CancellationToken cancellationToken)
    {
        var complaint = await LoadAsync(command, cancellationToken);
        if (complaint is null)
        {
            return Error.NotFound("complaint");
        }

        if (complaint.Version != command.ExpectedVersion)
        {
            return Error.StaleVersion(command.ExpectedVersion, complaint.Version);
        }

        if (Permissions.CheckHandles(caller.RequiredStaff, complaint, "acts only on") is { } forbidden)
        {
            return forbidden;
        }

        var now = clock.GetUtcNow();
        var before = AuditSnapshots.Of(complaint);
        var applied = await ApplyAsync(complaint, command, now, cancellationToken);
        if (!applied.IsSuccess)
        {
            return applied.Error;
        }

        if (!await complaints.UpdateAsync(complaint, command.ExpectedVersion, cancellationToken))
        {
            return Error.StaleVersion(command.ExpectedVersion, command.ExpectedVersion + 1);
        }

        var changed = complaint.PendingChanges.ToList();
        await audit.RecordAsync(Action, AuditTrail.Complaint, complaint.Id, complaint.Version, changed,
            AuditValues.Between(complaint.ConsumerId, changed, before, AuditSnapshots.Of(complaint)), cancellationToken);
        complaint.ClearPendingChanges();
        // The answer from what was written: no read back (docs/adr/0011).
        return await queries.AsWrittenAsync(complaint, now, cancellationToken);
    }

    /// <summary>The complaint the command acts on, locked for the update (a merge loads its duplicate in the same round trip).</summary>
    protected virtual Task<Complaint?> LoadAsync(TCommand command, CancellationToken cancellationToken) =>
        complaints.GetForUpdateAsync(command.ComplaintId, cancellationToken);

    protected abstract ValueTask<Result> ApplyAsync(Complaint complaint, TCommand command, DateTimeOffset now,
        CancellationToken cancellationToken);
}
