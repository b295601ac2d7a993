using Cms.Application.Abstractions;
using Cms.Application.Audit;
using Cms.Application.Common;
using Cms.Application.Queues;
using Cms.Domain.Common;
using Cms.Domain.Complaints;
using Cms.Domain.Queues;
using Mediator;

namespace Cms.Application.Complaints.MoveComplaintQueue;

/// <summary>
/// Moves a complaint to one of the tenant's active queues, or out of every queue with <c>queue: null</c> (supervisor+,
/// If-Match). The assignee stays; the queue decides which agents may pick the complaint up while it is unassigned.
/// </summary>
public sealed record MoveComplaintQueueCommand(Guid ComplaintId, long ExpectedVersion, string? Queue)
    : ICommand<Result<ComplaintDto>>, IComplaintTransition
{
    UseCase IUseCaseMessage.UseCase => UseCase.MoveComplaintQueue;
}

public sealed class MoveComplaintQueueValidator : IValidator<MoveComplaintQueueCommand>
{
    public void Validate(MoveComplaintQueueCommand request, ValidationErrors errors)
    {
        if (request.Queue is not null && !Queue.IsValidCode(request.Queue))
        {
            errors.Add("queue", "'queue' must be a queue code (lower-case letters, digits or hyphens), or null for no queue.");
        }
    }
}

internal sealed class MoveComplaintQueueHandler(
    IQueueRepository queues, IComplaintRepository complaints, IComplaintQueries queries, CallerContext caller, AuditTrail audit,
    TimeProvider clock)
    : ComplaintTransitionHandler<MoveComplaintQueueCommand>(complaints, queries, caller, audit, clock)
{
    // The target queue, when the service does not hold it yet, travels with the complaint's load (docs/adr/0011 part 7).
    private Func<CancellationToken, Task<Queue?>>? _target;

    protected override string Action => "complaint.queue_moved";

    protected override Task<Complaint?> LoadAsync(MoveComplaintQueueCommand command, CancellationToken cancellationToken)
    {
        _target = command.Queue is { } code ? queues.FindByCodeWithNextLoad(code.Trim()) : null;
        return base.LoadAsync(command, cancellationToken);
    }

    protected override async ValueTask<Result> ApplyAsync(Complaint complaint, MoveComplaintQueueCommand command, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        Guid? target = null;
        if (_target is { } lookup)
        {
            var queue = QueueLookup.Active(await lookup(cancellationToken), "queue");
            if (!queue.IsSuccess)
            {
                return queue.Error;
            }

            target = queue.Value.Id;
        }

        return complaint.MoveToQueue(target, now);
    }
}
