using System.ComponentModel.DataAnnotations;
using Cms.Application.Abstractions;
using Cms.Application.Audit;
using Cms.Application.Common;
using Cms.Domain.Common;
using Cms.Domain.Queues;
using Mediator;

namespace Cms.Application.Queues;

/// <summary>Creates a queue of the caller's tenant (tenant_admin); its code is unique in the tenant (409 when taken).</summary>
public sealed record CreateQueueCommand([Required] string? Code, [Required] string? Name) : ICommand<Result<QueueDto>>, IUseCaseMessage
{
    UseCase IUseCaseMessage.UseCase => UseCase.CreateQueue;
}

public sealed class CreateQueueValidator : IValidator<CreateQueueCommand>
{
    public void Validate(CreateQueueCommand request, ValidationErrors errors)
    {
        if (!Queue.IsValidCode(request.Code))
        {
            errors.Add("code", $"'code' is required: 1 to {Queue.MaxCodeLength} lower-case letters, digits or hyphens, starting with a letter or digit.");
        }

        errors.Required("name", request.Name, Limits.Name);
    }
}

public sealed class CreateQueueHandler(IQueueRepository queues, TenantScope scope, AuditTrail audit, TimeProvider clock)
    : ICommandHandler<CreateQueueCommand, Result<QueueDto>>
{
    public async ValueTask<Result<QueueDto>> Handle(CreateQueueCommand command, CancellationToken cancellationToken)
    {
        if (await queues.FindByCodeAsync(command.Code!, cancellationToken) is not null)
        {
            return Error.Conflict("queue.code_taken", $"The tenant already has a queue with the code '{command.Code}'.");
        }

        var created = Queue.Create(Ids.New(), scope.Required, command.Code!, command.Name!, clock.GetUtcNow());
        if (!created.IsSuccess)
        {
            return created.Error;
        }

        var queue = created.Value;
        // A concurrent create of the same code loses on ux_queues_code (DuplicateKeyException: 409).
        await queues.AddAsync(queue, cancellationToken);
        await audit.RecordAsync("queue.created", AuditTrail.Queue, queue.Id, queue.Version, ["code", "name"], cancellationToken);
        return QueueDto.From(queue);
    }
}

/// <summary>Retires a queue (tenant_admin; If-Match optional). Its complaints stay in it until a supervisor moves them.</summary>
public sealed record RetireQueueCommand(Guid QueueId, long? ExpectedVersion) : ICommand<Result<QueueDto>>, IUseCaseMessage
{
    UseCase IUseCaseMessage.UseCase => UseCase.RetireQueue;
}

public sealed class RetireQueueValidator : IValidator<RetireQueueCommand>
{
    public void Validate(RetireQueueCommand request, ValidationErrors errors) => errors.Id("id", request.QueueId);
}

public sealed class RetireQueueHandler(IQueueRepository queues, AuditTrail audit, TimeProvider clock)
    : ICommandHandler<RetireQueueCommand, Result<QueueDto>>
{
    public async ValueTask<Result<QueueDto>> Handle(RetireQueueCommand command, CancellationToken cancellationToken)
    {
        var queue = await queues.GetAsync(command.QueueId, cancellationToken);
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

/// <summary>The tenant's queues, oldest first, keyset paged (agent+, auditor): retired ones included, marked.</summary>
public sealed record ListQueuesQuery(int? Limit, string? Cursor) : IQuery<Result<Page<QueueDto>>>, IUseCaseMessage, IPagedRequest
{
    UseCase IUseCaseMessage.UseCase => UseCase.ListQueues;
}

public sealed class ListQueuesValidator : IValidator<ListQueuesQuery>
{
    public void Validate(ListQueuesQuery request, ValidationErrors errors) => errors.Page(request, orderedByInstant: true);
}

public sealed class ListQueuesHandler(IQueueQueries queues) : IQueryHandler<ListQueuesQuery, Result<Page<QueueDto>>>
{
    public async ValueTask<Result<Page<QueueDto>>> Handle(ListQueuesQuery query, CancellationToken cancellationToken) =>
        await queues.ListAsync(query.EffectiveLimit(), query.After(), cancellationToken);
}
