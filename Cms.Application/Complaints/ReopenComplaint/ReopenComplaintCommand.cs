using Cms.Application.Abstractions;
using Cms.Application.Audit;
using Cms.Application.Common;
using Cms.Domain.Common;
using Cms.Domain.Complaints;
using Mediator;

namespace Cms.Application.Complaints.ReopenComplaint;

public sealed record ReopenComplaintCommand(Guid ComplaintId, long ExpectedVersion) : ICommand<Result<ComplaintDto>>, IComplaintTransition
{
    UseCase IUseCaseMessage.UseCase => UseCase.ReopenComplaint;
}

internal sealed class ReopenComplaintHandler(
    IComplaintRepository complaints, IComplaintQueries queries, CallerContext caller, AuditTrail audit, TimeProvider clock)
    : ComplaintTransitionHandler<ReopenComplaintCommand>(complaints, queries, caller, audit, clock)
{
    protected override string Action => "complaint.reopened";

    protected override ValueTask<Result> ApplyAsync(Complaint complaint, ReopenComplaintCommand command, DateTimeOffset now,
        CancellationToken cancellationToken) => ValueTask.FromResult(complaint.Reopen(now));
}
