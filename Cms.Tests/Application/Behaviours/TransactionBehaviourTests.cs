using Cms.Application.Behaviours;
using Cms.Domain.Common;
using Cms.Tests.Application.Fakes;

namespace Cms.Tests.Application;

public sealed class TransactionBehaviourTests
{
    private static async Task<(Result Result, FakeUnitOfWork UnitOfWork, int Calls)> Run(Func<Result> answer, bool alreadyOpen = false)
    {
        var unitOfWork = new FakeUnitOfWork { IsInTransactionScope = alreadyOpen };
        var next = new Next<ProbeCommand>(answer);
        var observedInside = false;
        var behaviour = new TransactionBehaviour<ProbeCommand, Result>(unitOfWork);
        var result = await behaviour.Handle(new ProbeCommand(), (m, ct) =>
        {
            observedInside = unitOfWork.IsInTransactionScope;
            return next.Invoke(m, ct);
        }, CancellationToken.None);
        Assert.That(observedInside, Is.True, "the handler runs inside a transaction");
        return (result, unitOfWork, next.Calls);
    }

    [Test]
    public async Task A_success_is_committed()
    {
        var (result, unitOfWork, calls) = await Run(Result.Success);

        Assert.That(result.IsSuccess, Is.True);
        Assert.That(unitOfWork.Calls, Is.EqualTo(new[] { "begin", "commit" }));
        Assert.That(calls, Is.EqualTo(1));
    }

    [Test]
    public async Task An_expected_failure_is_rolled_back_and_passed_on()
    {
        var (result, unitOfWork, _) = await Run(() => Error.NotFound("complaint"));

        Assert.That(result.Error?.Code, Is.EqualTo("complaint.not_found"));
        Assert.That(unitOfWork.Calls, Is.EqualTo(new[] { "begin", "rollback" }));
    }

    [Test]
    public async Task An_exception_is_rolled_back_and_rethrown()
    {
        var unitOfWork = new FakeUnitOfWork();
        var behaviour = new TransactionBehaviour<ProbeCommand, Result>(unitOfWork);

        var thrown = await Assert.ThrowsAsync<InvalidOperationException>(async () =>
            await behaviour.Handle(new ProbeCommand(), (_, _) => throw new InvalidOperationException("boom"), CancellationToken.None));

        Assert.That(thrown?.Message, Is.EqualTo("boom"));
        Assert.That(unitOfWork.Calls, Is.EqualTo(new[] { "begin", "rollback" }));
    }

    [Test]
    public async Task It_is_the_one_owner_of_the_transaction_and_refuses_to_nest_in_another()
    {
        var unitOfWork = new FakeUnitOfWork { IsInTransactionScope = true };
        var behaviour = new TransactionBehaviour<ProbeCommand, Result>(unitOfWork);
        var next = new Next<ProbeCommand>(Result.Success);

        await Assert.ThrowsAsync<InvalidOperationException>(async () => await behaviour.Handle(new ProbeCommand(), next.Invoke, CancellationToken.None));

        Assert.That(next.Calls, Is.Zero);
        Assert.That(unitOfWork.Calls, Is.Empty);
    }
}
