using Cms.Application.Consumers;
using Cms.Application.Consumers.EraseConsumer;
using Cms.Application.Consumers.SetLegalHold;
using Cms.Application.Consumers.UpdateConsumer;
using Cms.Application.Retention;
using Cms.Application.Retention.EraseDueConsumers;
using Cms.Domain.Common;
using Cms.Domain.Retention;

namespace Cms.Tests.Application;

/// <summary>Erasure and legal hold through their handlers, with the in-memory fakes.</summary>
public sealed class ConsumerErasureHandlerTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    private static ValueTask<Result<ConsumerDto>> Erase(World w, Guid id) =>
        new EraseConsumerHandler(w.ConsumerQueries, new ConsumerErasure(w.Consumers, w.Audit, w.Clock)).Handle(new EraseConsumerCommand(id), None);

    private static ValueTask<Result<ConsumerDto>> Hold(World w, Guid id, bool onHold) =>
        new SetLegalHoldHandler(w.Consumers, w.ConsumerQueries, w.Audit, w.Clock).Handle(new SetLegalHoldCommand(id, onHold), None);

    [Test]
    public async Task Erasing_clears_the_personal_data_and_audits_field_names_only()
    {
        var world = new World();
        var cast = world.SeedCast();
        world.ActAs(cast.Admin);

        var dto = Expect.Success(await Erase(world, cast.Consumer.Id));

        var stored = world.Db.Consumers[cast.Consumer.Id];
        var entry = Expect.SingleAudit(world);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(dto.ErasedAt, Is.Not.Null);
            Assert.That(stored.IsErased, Is.True);
            Assert.That(stored.Contact.Email, Is.Null);
            Assert.That(stored.ExternalRef, Is.Empty);
            Assert.That(entry.Action, Is.EqualTo("consumer.erased"));
            Assert.That(entry.EntityId, Is.EqualTo(cast.Consumer.Id));
        }
    }

    [Test]
    public async Task Erasing_twice_or_updating_an_erased_consumer_is_a_conflict()
    {
        var world = new World();
        var cast = world.SeedCast();
        world.ActAs(cast.Admin);
        var erased = Expect.Success(await Erase(world, cast.Consumer.Id));

        Expect.Failure(await Erase(world, cast.Consumer.Id), ErrorKind.Conflict, "consumer.already_erased");
        Expect.Failure(await new UpdateConsumerHandler(world.Consumers, world.ConsumerQueries, world.Audit, world.Clock)
            .Handle(new UpdateConsumerCommand(cast.Consumer.Id, erased.Version, "New Name", null, null, null, null), None),
            ErrorKind.Conflict, "consumer.erased");
    }

    [Test]
    public async Task A_legal_hold_refuses_erasure_until_lifted()
    {
        var world = new World();
        var cast = world.SeedCast();
        world.ActAs(cast.Admin);

        Assert.That(Expect.Success(await Hold(world, cast.Consumer.Id, true)).LegalHold, Is.True);
        Expect.Failure(await Erase(world, cast.Consumer.Id), ErrorKind.Conflict, "consumer.legal_hold");
        Assert.That(world.Db.Consumers[cast.Consumer.Id].IsErased, Is.False);

        Expect.Success(await Hold(world, cast.Consumer.Id, false));
        Expect.Success(await Erase(world, cast.Consumer.Id));
    }

    [Test]
    public async Task Erasing_a_consumer_that_does_not_exist_is_not_found()
    {
        var world = new World();
        var cast = world.SeedCast();
        world.ActAs(cast.Admin);

        Expect.Failure(await Erase(world, Guid.NewGuid()), ErrorKind.NotFound, "consumer.not_found");
    }

    [Test]
    public async Task The_retention_job_erases_through_the_requests_locked_read_under_its_own_actor()
    {
        var world = new World();
        var cast = world.SeedCast();
        var due = world.SeedConsumer(cast.Tenant.Id, "Due Consumer", "due.consumer@example.test");
        world.ActAs(cast.Admin);
        Expect.Success(await Erase(world, cast.Consumer.Id));

        var closed = world.Now.AddDays(-4 * 365);
        var store = new OneCandidateStore(new RetentionCandidate(due.Id, false,
            [new RetainedComplaint(Guid.NewGuid(), true, "uk-fca", "current_account", closed.AddDays(-10), closed)]));
        var batch = await new RetentionPass(store, new RetentionReview(store), new ConsumerErasure(world.Consumers, world.Audit, world.Clock), world.Caller)
            .RunAsync(null, 10, world.Now, None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(batch.Erased, Is.EqualTo(1));
            Assert.That(world.Db.Consumers[due.Id].IsErased, Is.True);
            Assert.That(world.Consumers.ReadForErasure, Is.EqualTo(new[] { cast.Consumer.Id, due.Id }), "both read for erasure, the same way");
            Assert.That(world.AuditEntries[^1].Action, Is.EqualTo("consumer.erased"));
            Assert.That(world.AuditEntries[^1].ActorId, Is.EqualTo(RetentionPass.JobActor));
        }
    }

    private sealed class OneCandidateStore(RetentionCandidate candidate) : IRetentionStore
    {
        public Task<RetentionSchedule> GetScheduleAsync(CancellationToken cancellationToken) => Task.FromResult(RetentionSchedule.Default);

        public Task SaveScheduleAsync(RetentionSchedule schedule, DateTimeOffset now, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public Task<IReadOnlyList<RetentionCandidate>> CandidatesAsync(Guid? after, int take, DateTimeOffset closedBefore,
            CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<RetentionCandidate>>(after is null ? [candidate] : []);
    }
}
