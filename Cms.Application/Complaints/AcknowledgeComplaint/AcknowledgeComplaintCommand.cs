using Cms.Application.Abstractions;
using Cms.Application.Audit;
using Cms.Application.Common;
using Cms.Domain.Common;
using Cms.Domain.Complaints;
using Mediator;

namespace Cms.Application.Complaints.AcknowledgeComplaint;

public sealed record AcknowledgeComplaintCommand(Guid ComplaintId, long ExpectedVersion) : ICommand<Result<ComplaintDto>>, IComplaintTransition
{
    UseCase IUseCaseMessage.UseCase => UseCase.AcknowledgeComplaint;
}

internal sealed class AcknowledgeComplaintHandler(
    IComplaintRepository complaints, IComplaintQueries queries, CallerContext caller, AuditTrail audit, TimeProvider clock)
    : ComplaintTransitionHandler<AcknowledgeComplaintCommand>(complaints, queries, caller, audit, clock)
{
    protected override string Action => "complaint.acknowledged";

    protected override ValueTask<Result> ApplyAsync(Complaint complaint, AcknowledgeComplaintCommand command, DateTimeOffset now,
        CancellationToken cancellationToken) => ValueTask.FromResult(complaint.Acknowledge(now));
}
