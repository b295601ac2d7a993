using Cms.Application.Abstractions;
using Cms.Application.Audit;
using Cms.Application.Common;
using Cms.Domain.Common;
using Mediator;

namespace Cms.Application.Consumers.UpdateConsumer;

/// <summary>Updates contact details (null fields stay as they are); needs the version from the last read.</summary>
public sealed record UpdateConsumerCommand(
    Guid ConsumerId,
    long ExpectedVersion,
    string? FullName,
    string? Email,
    string? Phone,
    AddressDto? Address,
    VulnerabilityDto? Vulnerability) : ICommand<Result<ConsumerDto>>, IUseCaseMessage
{
    UseCase IUseCaseMessage.UseCase => UseCase.UpdateConsumer;
}

public sealed class UpdateConsumerValidator : IValidator<UpdateConsumerCommand>
{
    public void Validate(UpdateConsumerCommand request, ValidationErrors errors)
    {
        errors.Id("id", request.ConsumerId);
        errors.Optional("fullName", request.FullName, Limits.Name);
        errors.Email("email", request.Email, required: false);
        errors.Phone("phone", request.Phone);
        ConsumerInput.CheckAddress(request.Address, errors);
        ConsumerInput.CheckVulnerability(request.Vulnerability, errors);
    }
}

internal sealed class UpdateConsumerHandler(IConsumerRepository consumers, IConsumerQueries queries, AuditTrail audit, TimeProvider clock)
    : ICommandHandler<UpdateConsumerCommand, Result<ConsumerDto>>
{
    public async ValueTask<Result<ConsumerDto>> Handle(UpdateConsumerCommand command, CancellationToken cancellationToken)
    {
        var consumer = await consumers.GetForUpdateAsync(command.ConsumerId, cancellationToken);
        if (consumer is null)
        {
            return Error.NotFound("consumer");
        }

        if (consumer.IsErased)
        {
            return ConsumerErrors.Erased;
        }

        if (consumer.Version != command.ExpectedVersion)
        {
            return Error.StaleVersion(command.ExpectedVersion, consumer.Version);
        }

        var before = AuditSnapshots.Of(consumer);
        var changed = consumer.UpdateContactDetails(command.FullName, command.Email, command.Phone,
            ConsumerInput.ToDomain(command.Address), ConsumerInput.ToDomain(command.Vulnerability), clock.GetUtcNow());
        if (changed.Count > 0)
        {
            if (!await consumers.UpdateAsync(consumer, command.ExpectedVersion, cancellationToken))
            {
                return Error.StaleVersion(command.ExpectedVersion, command.ExpectedVersion + 1);
            }

            await audit.RecordAsync("consumer.updated", AuditTrail.Consumer, consumer.Id, consumer.Version, changed,
                AuditValues.Between(consumer.Id, changed, before, AuditSnapshots.Of(consumer)), cancellationToken);
        }

        return queries.AsWritten(consumer); // no read back (docs/adr/0011)
    }
}
