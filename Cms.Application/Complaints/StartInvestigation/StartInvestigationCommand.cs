using Cms.Application.Abstractions;
using Cms.Application.Audit;
using Cms.Application.Common;
using Cms.Domain.Common;
using Cms.Domain.Complaints;
using Mediator;

namespace Cms.Application.Complaints.StartInvestigation;

public sealed record StartInvestigationCommand(Guid ComplaintId, long ExpectedVersion) : ICommand<Result<ComplaintDto>>, IComplaintTransition
{
    UseCase IUseCaseMessage.UseCase => UseCase.StartInvestigation;
}

internal sealed class StartInvestigationHandler(
    IComplaintRepository complaints, IComplaintQueries queries, CallerContext caller, AuditTrail audit, TimeProvider clock)
    : ComplaintTransitionHandler<StartInvestigationCommand>(complaints, queries, caller, audit, clock)
{
    protected override string Action => "complaint.investigation_started";

    protected override ValueTask<Result> ApplyAsync(Complaint complaint, StartInvestigationCommand command, DateTimeOffset now,
        CancellationToken cancellationToken) => ValueTask.FromResult(complaint.Start(now));
}
