using Cms.Application.Abstractions;
using Cms.Application.Audit;
using Cms.Domain.Common;
using Cms.Domain.Consumers;
using Mediator;

namespace Cms.Application.Consumers.RegisterConsumer;

internal sealed class RegisterConsumerHandler(
    IConsumerRepository consumers, IConsumerQueries queries, TenantScope scope, AuditTrail audit, TimeProvider clock)
    : ICommandHandler<RegisterConsumerCommand, Result<ConsumerDto>>
{
    public async ValueTask<Result<ConsumerDto>> Handle(RegisterConsumerCommand command, CancellationToken cancellationToken)
    {
        if (await consumers.ExternalRefExistsAsync(command.ExternalRef!.Trim(), cancellationToken))
        {
            return Error.Conflict("consumer.duplicate_external_ref", "A consumer with this external reference already exists in the tenant.");
        }

        var contact = new ContactDetails(command.FullName!, command.Email, command.Phone, ConsumerInput.ToDomain(command.Address));
        var consumer = Consumer.Register(Ids.New(), scope.Required, command.ExternalRef!, contact, command.DateOfBirth,
            ConsumerInput.ToDomain(command.Vulnerability) ?? Vulnerability.None, clock.GetUtcNow());
        await consumers.AddAsync(consumer, cancellationToken);
        await audit.RecordAsync("consumer.registered", AuditTrail.Consumer, consumer.Id, consumer.Version,
            ["externalRef", "fullName", "email", "phone", "address", "dateOfBirth", "vulnerability"], cancellationToken);
        return queries.AsWritten(consumer); // no read back (docs/adr/0011)
    }
}
