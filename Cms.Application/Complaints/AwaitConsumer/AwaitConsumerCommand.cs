using Cms.Application.Abstractions;
using Cms.Application.Audit;
using Cms.Application.Common;
using Cms.Domain.Common;
using Cms.Domain.Complaints;
using Mediator;

namespace Cms.Application.Complaints.AwaitConsumer;

public sealed record AwaitConsumerCommand(Guid ComplaintId, long ExpectedVersion) : ICommand<Result<ComplaintDto>>, IComplaintTransition
{
    UseCase IUseCaseMessage.UseCase => UseCase.AwaitConsumer;
}

internal sealed class AwaitConsumerHandler(
    IComplaintRepository complaints, IComplaintQueries queries, CallerContext caller, AuditTrail audit, TimeProvider clock)
    : ComplaintTransitionHandler<AwaitConsumerCommand>(complaints, queries, caller, audit, clock)
{
    protected override string Action => "complaint.awaiting_consumer";

    protected override ValueTask<Result> ApplyAsync(Complaint complaint, AwaitConsumerCommand command, DateTimeOffset now,
        CancellationToken cancellationToken) => ValueTask.FromResult(complaint.AwaitConsumer(now));
}
