using Cms.Application.Common;
using Cms.Domain.Common;
using Mediator;

namespace Cms.Application.Behaviours;

/// <summary>Runs every validator of the message; any field error ends the request with a 400 before anything is written.</summary>
public sealed class ValidationBehaviour<TMessage, TResponse>(IEnumerable<IValidator<TMessage>> validators)
    : IPipelineBehavior<TMessage, TResponse>
    where TMessage : IMessage
    where TResponse : IResult<TResponse>
{
    public ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next,
        CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        foreach (var validator in validators)
        {
            validator.Validate(message, errors);
        }

        return errors.Any ? ValueTask.FromResult(TResponse.Failure(errors.ToError())) : next(message, cancellationToken);
    }
}
