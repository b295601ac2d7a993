using Cms.Application.Abstractions;
using Cms.Application.Audit;
using Cms.Application.Common;
using Cms.Domain.Common;
using Mediator;

namespace Cms.Application.Queues.RetireQueue;

/// <summary>Retires a queue (tenant_admin; If-Match optional). Its complaints stay in it until a supervisor moves them.</summary>
public sealed record RetireQueueCommand(Guid QueueId, long? ExpectedVersion) : ICommand<Result<QueueDto>>, IUseCaseMessage
{
    UseCase IUseCaseMessage.UseCase => UseCase.RetireQueue;
}

public sealed class RetireQueueValidator : IValidator<RetireQueueCommand>
{
    public void Validate(RetireQueueCommand request, ValidationErrors errors) => errors.Id("id", request.QueueId);
}

internal sealed class RetireQueueHandler(IQueueRepository queues, AuditTrail audit, TimeProvider clock)
    : ICommandHandler<RetireQueueCommand, Result<QueueDto>>
{
    public async ValueTask<Result<QueueDto>> Handle(RetireQueueCommand command, CancellationToken cancellationToken)
    {
        var queue = await queues.GetForUpdateAsync(command.QueueId, cancellationToken);
        if (queue is null)
        {
            return Error.NotFound("queue");
        }

        if (command.ExpectedVersion is { } expected && expected != queue.Version)
        {
            return Error.StaleVersion(expected, queue.Version);
        }

        var loaded = queue.Version;
        var retired = queue.Retire(clock.GetUtcNow());
        if (!retired.IsSuccess)
        {
            return retired.Error;
        }

        if (!await queues.UpdateAsync(queue, loaded, cancellationToken))
        {
            return Error.StaleVersion(loaded, loaded + 1);
        }

        await audit.RecordAsync("queue.retired", AuditTrail.Queue, queue.Id, queue.Version, ["retiredAt"], cancellationToken);
        return QueueDto.From(queue);
    }
}
