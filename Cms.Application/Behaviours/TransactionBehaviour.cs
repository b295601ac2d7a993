using Cms.Application.Abstractions;
using Cms.Domain.Common;
using Mediator;

namespace Cms.Application.Behaviours;

/// <summary>
/// Commands only: one transaction around the handler, committed when the result is a success and rolled back
/// otherwise (an expected failure writes nothing). Does nothing when a transaction scope is already open.
/// </summary>
public sealed class TransactionBehaviour<TMessage, TResponse>(IUnitOfWork unitOfWork) : IPipelineBehavior<TMessage, TResponse>
    where TMessage : IBaseCommand
    where TResponse : IResult<TResponse>
{
    public async ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next,
        CancellationToken cancellationToken)
    {
        if (unitOfWork.IsInTransactionScope)
        {
            return await next(message, cancellationToken);
        }

        await unitOfWork.BeginAsync(cancellationToken);
        try
        {
            var response = await next(message, cancellationToken);
            if (response.IsSuccess)
            {
                await unitOfWork.CommitAsync(cancellationToken);
            }
            else
            {
                await unitOfWork.RollbackAsync(CancellationToken.None);
            }

            return response;
        }
        catch
        {
            await unitOfWork.RollbackAsync(CancellationToken.None);
            throw;
        }
    }
}
