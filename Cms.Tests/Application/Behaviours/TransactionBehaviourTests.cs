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
    public async Task Inside_an_open_transaction_it_neither_begins_nor_ends_one()
    {
        var (result, unitOfWork, calls) = await Run(() => Error.NotFound("complaint"), alreadyOpen: true);

        Assert.That(result.IsSuccess, Is.False);
        Assert.That(calls, Is.EqualTo(1));
        Assert.That(unitOfWork.Calls, Is.Empty);
        Assert.That(unitOfWork.IsInTransactionScope, Is.True, "the outer transaction is left open");
    }
}
