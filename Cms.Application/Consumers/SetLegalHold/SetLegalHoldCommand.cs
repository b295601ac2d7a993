using Cms.Application.Abstractions;
using Cms.Application.Audit;
using Cms.Application.Common;
using Cms.Domain.Common;
using Mediator;

namespace Cms.Application.Consumers.SetLegalHold;

/// <summary>Sets or lifts a consumer's legal hold (while on hold, erasure is refused).</summary>
public sealed record SetLegalHoldCommand(Guid ConsumerId, bool? OnHold) : ICommand<Result<ConsumerDto>>, IUseCaseMessage
{
    UseCase IUseCaseMessage.UseCase => UseCase.SetLegalHold;
}

public sealed class SetLegalHoldValidator : IValidator<SetLegalHoldCommand>
{
    public void Validate(SetLegalHoldCommand request, ValidationErrors errors)
    {
        errors.Id("id", request.ConsumerId);
        if (request.OnHold is null)
        {
            errors.Add("onHold", "'onHold' (true or false) is required.");
        }
    }
}

internal sealed class SetLegalHoldHandler(IConsumerRepository consumers, IConsumerQueries queries, AuditTrail audit, TimeProvider clock)
    : ICommandHandler<SetLegalHoldCommand, Result<ConsumerDto>>
{
    public async ValueTask<Result<ConsumerDto>> Handle(SetLegalHoldCommand command, CancellationToken cancellationToken)
    {
        var consumer = await consumers.GetForUpdateAsync(command.ConsumerId, cancellationToken);
        if (consumer is null)
        {
            return Error.NotFound("consumer");
        }

        var expectedVersion = consumer.Version;
        if (consumer.SetLegalHold(command.OnHold!.Value, clock.GetUtcNow()))
        {
            if (!await consumers.UpdateAsync(consumer, expectedVersion, cancellationToken))
            {
                return Error.StaleVersion(expectedVersion, expectedVersion + 1);
            }

            await audit.RecordAsync(command.OnHold.Value ? "consumer.legal_hold_set" : "consumer.legal_hold_lifted",
                AuditTrail.Consumer, consumer.Id, consumer.Version, ["legalHold"],
                new AuditValues(consumer.Id, [new FieldChange("legalHold", command.OnHold.Value ? "false" : "true", command.OnHold.Value ? "true" : "false")]),
                cancellationToken);
        }

        return queries.AsWritten(consumer); // no read back (docs/adr/0011)
    }
}
