using Cms.Application.Abstractions;
using Cms.Application.Audit;
using Cms.Application.Common;
using Cms.Domain.Common;
using Cms.Domain.Complaints;
using Mediator;

namespace Cms.Application.Complaints.CloseComplaint;

public sealed record CloseComplaintCommand(Guid ComplaintId, long ExpectedVersion) : ICommand<Result<ComplaintDto>>, IComplaintTransition
{
    UseCase IUseCaseMessage.UseCase => UseCase.CloseComplaint;
}

internal sealed class CloseComplaintHandler(
    IComplaintRepository complaints, IComplaintQueries queries, CallerContext caller, AuditTrail audit, TimeProvider clock)
    : ComplaintTransitionHandler<CloseComplaintCommand>(complaints, queries, caller, audit, clock)
{
    protected override string Action => "complaint.closed";

    protected override ValueTask<Result> ApplyAsync(Complaint complaint, CloseComplaintCommand command, DateTimeOffset now,
        CancellationToken cancellationToken) => ValueTask.FromResult(complaint.Close(now));
}
