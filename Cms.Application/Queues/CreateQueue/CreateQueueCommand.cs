using System.ComponentModel.DataAnnotations;
using Cms.Application.Abstractions;
using Cms.Application.Audit;
using Cms.Application.Common;
using Cms.Domain.Common;
using Cms.Domain.Queues;
using Mediator;

namespace Cms.Application.Queues.CreateQueue;

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

internal sealed class CreateQueueHandler(IQueueRepository queues, TenantScope scope, AuditTrail audit, TimeProvider clock)
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
