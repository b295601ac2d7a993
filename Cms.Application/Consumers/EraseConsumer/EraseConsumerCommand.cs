using Cms.Application.Common;
using Cms.Domain.Common;
using Mediator;

namespace Cms.Application.Consumers.EraseConsumer;

/// <summary>
/// Erases a consumer's personal data (security.md 12): the consumer's data key is destroyed and the ciphertext and
/// blind indexes are cleared, so the data is unrecoverable, backups included. Complaints and the audit chain (ids only)
/// are untouched. Refused with 409 under a legal hold or when already erased.
/// </summary>
public sealed record EraseConsumerCommand(Guid ConsumerId) : ICommand<Result<ConsumerDto>>, IUseCaseMessage
{
    UseCase IUseCaseMessage.UseCase => UseCase.EraseConsumer;
}

public sealed class EraseConsumerValidator : IValidator<EraseConsumerCommand>
{
    public void Validate(EraseConsumerCommand request, ValidationErrors errors) => errors.Id("id", request.ConsumerId);
}

internal sealed class EraseConsumerHandler(IConsumerQueries queries, ConsumerErasure erasure)
    : ICommandHandler<EraseConsumerCommand, Result<ConsumerDto>>
{
    public async ValueTask<Result<ConsumerDto>> Handle(EraseConsumerCommand command, CancellationToken cancellationToken)
    {
        var erased = await erasure.EraseAsync(command.ConsumerId, cancellationToken);
        return erased.IsSuccess ? queries.AsWritten(erased.Value) : erased.Error; // no read back (docs/adr/0011)
    }
}
