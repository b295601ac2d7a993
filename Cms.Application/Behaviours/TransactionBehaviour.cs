using Cms.Application.Abstractions;
using Cms.Domain.Common;
using Mediator;

namespace Cms.Application.Behaviours;

/// <summary>
/// Commands only, and the only owner of a request's transaction (docs/adr/0006): one transaction around the idempotency
/// behaviour and the handler, committed when the result is a success and rolled back otherwise (an expected failure
/// writes nothing).
/// </summary>
public sealed class TransactionBehaviour<TMessage, TResponse>(IUnitOfWork unitOfWork) : IPipelineBehavior<TMessage, TResponse>
    where TMessage : IBaseCommand
    where TResponse : IResult<TResponse>
{
    public ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next,
        CancellationToken cancellationToken) =>
        unitOfWork.InTransactionAsync(token => next(message, token), response => response.IsSuccess, cancellationToken);
}
