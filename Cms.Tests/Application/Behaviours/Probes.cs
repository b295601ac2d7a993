using Cms.Application.Common;
using Cms.Domain.Common;
using Mediator;

namespace Cms.Tests.Application;

/// <summary>A message of any use case, for driving a behaviour directly (no handler exists for it).</summary>
public sealed record ProbeMessage(UseCase UseCase) : IMessage, IUseCaseMessage;

/// <summary>A command, for the transaction behaviour.</summary>
public sealed record ProbeCommand(UseCase UseCase = UseCase.AddNote) : ICommand<Result>, IUseCaseMessage;

/// <summary>A <c>next</c> delegate that counts its calls and answers what the test says.</summary>
public sealed class Next<TMessage>(Func<Result>? answer = null)
{
    public int Calls { get; private set; }

    public ValueTask<Result> Invoke(TMessage message, CancellationToken cancellationToken)
    {
        Calls++;
        return ValueTask.FromResult(answer?.Invoke() ?? Result.Success());
    }
}
