using Cms.Application.Consumers;
using Cms.Application.Consumers.EraseConsumer;
using Cms.Application.Consumers.SetLegalHold;
using Cms.Application.Consumers.UpdateConsumer;
using Cms.Domain.Common;

namespace Cms.Tests.Application;

/// <summary>Erasure and legal hold through their handlers, with the in-memory fakes.</summary>
public sealed class ConsumerErasureHandlerTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    private static ValueTask<Result<ConsumerDto>> Erase(World w, Guid id) =>
        new EraseConsumerHandler(w.Consumers, w.ConsumerQueries, new ConsumerErasure(w.Consumers, w.Audit, w.Clock)).Handle(new EraseConsumerCommand(id), None);

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
}
