using Cms.Application.Consumers;
using Cms.Application.Consumers.RegisterConsumer;
using Cms.Application.Consumers.UpdateConsumer;
using Cms.Domain.Common;
using Cms.Domain.Consumers;

namespace Cms.Tests.Application;

public sealed class ConsumerHandlerTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    private static ValueTask<Result<ConsumerDto>> Register(World w, string externalRef = "CUST-42", string fullName = " John Smith ",
        string? email = " John.Smith@Example.TEST ") =>
        new RegisterConsumerHandler(w.Consumers, w.ConsumerQueries, w.Scope, w.Audit, w.Clock)
            .Handle(new RegisterConsumerCommand(externalRef, fullName, email, "+44 161 496 0000",
                new AddressDto([" 2 Low Road "], " Leeds ", " LS1 1AA ", "GB"), new DateOnly(1975, 1, 2),
                new VulnerabilityDto([VulnerabilityDriver.LifeEvent, VulnerabilityDriver.Health], true)), None);

    private static ValueTask<Result<ConsumerDto>> Update(World w, Guid id, long version, string? fullName = null, string? email = null,
        string? phone = null, AddressDto? address = null, VulnerabilityDto? vulnerability = null) =>
        new UpdateConsumerHandler(w.Consumers, w.ConsumerQueries, w.Audit, w.Clock)
            .Handle(new UpdateConsumerCommand(id, version, fullName, email, phone, address, vulnerability), None);

    [Test]
    public async Task Registering_stores_the_normalised_consumer_and_audits_field_names_only()
    {
        var world = new World();
        var cast = world.SeedCast();
        world.ActAs(cast.Agent);

        var dto = Expect.Success(await Register(world, externalRef: " CUST-42 "));

        var entry = Expect.SingleAudit(world);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(dto.ExternalRef, Is.EqualTo("CUST-42"));
            Assert.That(dto.FullName, Is.EqualTo("John Smith"));
            Assert.That(dto.Email, Is.EqualTo("john.smith@example.test"));
            Assert.That(dto.Address?.Lines, Is.EqualTo(new[] { "2 Low Road" }));
            Assert.That(dto.Address?.City, Is.EqualTo("Leeds"));
            Assert.That(dto.Vulnerability!.Drivers, Is.EqualTo(new[] { VulnerabilityDriver.Health, VulnerabilityDriver.LifeEvent }));
            Assert.That(dto.Vulnerability.ConsentRecorded, Is.True);
            Assert.That(dto.Version, Is.EqualTo(1));
            Assert.That(world.Db.Consumers[dto.Id].TenantId, Is.EqualTo(cast.Tenant.Id));
            Assert.That(entry.Action, Is.EqualTo("consumer.registered"));
            Assert.That(entry.EntityType, Is.EqualTo("consumer"));
            Assert.That(entry.EntityId, Is.EqualTo(dto.Id));
            Assert.That(entry.ChangedFields, Is.EquivalentTo(new[] { "externalRef", "fullName", "email", "phone", "address", "dateOfBirth", "vulnerability" }));
            Assert.That(string.Join("|", entry.ChangedFields), Does.Not.Contain("Smith").IgnoreCase);
        }
    }

    [Test]
    public async Task A_duplicate_external_reference_in_the_tenant_is_conflict_and_nothing_is_written()
    {
        var world = new World();
        var cast = world.SeedCast();
        world.ActAs(cast.Agent);

        Expect.Failure(await Register(world, externalRef: $"  {cast.Consumer.ExternalRef} "), ErrorKind.Conflict, "consumer.duplicate_external_ref");

        Expect.NothingWritten(world);
    }

    [Test]
    public async Task The_same_external_reference_in_another_tenant_is_another_consumer()
    {
        var world = new World();
        var cast = world.SeedCast();
        var other = world.SeedCast();
        world.ActAs(cast.Agent);

        var dto = Expect.Success(await Register(world, externalRef: other.Consumer.ExternalRef));

        Assert.That(dto.Id, Is.Not.EqualTo(other.Consumer.Id));
    }

    [Test]
    public async Task Updating_saves_the_changed_fields_bumps_the_version_and_audits_their_names()
    {
        var world = new World();
        var cast = world.SeedCast();
        world.Clock.Advance(TimeSpan.FromHours(1));
        world.ActAs(cast.Agent);

        var dto = Expect.Success(await Update(world, cast.Consumer.Id, 1, fullName: "Jane Q. Consumer", email: "JQC@example.test",
            phone: cast.Consumer.Contact.Phone));

        var entry = Expect.SingleAudit(world);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(dto.FullName, Is.EqualTo("Jane Q. Consumer"));
            Assert.That(dto.Email, Is.EqualTo("jqc@example.test"));
            Assert.That(dto.Version, Is.EqualTo(2));
            Assert.That(dto.UpdatedAt, Is.EqualTo(world.Now));
            Assert.That(world.Db.Consumers[cast.Consumer.Id].Version, Is.EqualTo(2));
            Assert.That(entry.Action, Is.EqualTo("consumer.updated"));
            Assert.That(entry.ChangedFields, Is.EqualTo(new[] { "fullName", "email" }), "an unchanged phone is not a change");
        }
    }

    [Test]
    public async Task An_update_that_changes_nothing_writes_nothing_and_keeps_the_version()
    {
        var world = new World();
        var cast = world.SeedCast();
        world.ActAs(cast.Agent);
        var c = cast.Consumer.Contact;

        var dto = Expect.Success(await Update(world, cast.Consumer.Id, 1, fullName: $" {c.FullName} ", email: c.Email!.ToUpperInvariant(),
            address: new AddressDto([.. c.Address!.Lines], c.Address.City, c.Address.Postcode, c.Address.Country),
            vulnerability: new VulnerabilityDto([], false)));

        Assert.That(dto.Version, Is.EqualTo(1));
        Expect.NothingWritten(world);
    }

    [TestCase(0)]
    [TestCase(2)]
    public async Task A_stale_version_is_precondition_failed_and_nothing_is_written(long expected)
    {
        var world = new World();
        var cast = world.SeedCast();
        world.ActAs(cast.Agent);

        Expect.Failure(await Update(world, cast.Consumer.Id, expected, fullName: "Someone Else"), ErrorKind.PreconditionFailed, "version.stale");

        Assert.That(world.Db.Consumers[cast.Consumer.Id].Contact.FullName, Is.EqualTo("Jane Consumer"));
        Expect.NothingWritten(world);
    }

    [Test]
    public async Task Losing_the_race_to_a_concurrent_writer_is_precondition_failed_and_not_audited()
    {
        var world = new World();
        var cast = world.SeedCast();
        world.ActAs(cast.Agent);
        var winner = world.NextRequest().ActAs(cast.OtherAgent);
        world.Consumers.BeforeUpdate = () =>
        {
            // Another request commits between this one's read and its write.
            Expect.Success(Update(winner, cast.Consumer.Id, 1, phone: "+44 20 0000 0001").AsTask().GetAwaiter().GetResult());
            world.Db.Writes.Clear();
            world.Db.Audit.Clear();
        };

        Expect.Failure(await Update(world, cast.Consumer.Id, 1, fullName: "Loser"), ErrorKind.PreconditionFailed, "version.stale");

        Expect.NothingWritten(world);
        Assert.That(world.Db.Consumers[cast.Consumer.Id].Contact.FullName, Is.EqualTo("Jane Consumer"), "the winner's write stands");
        Assert.That(world.Db.Consumers[cast.Consumer.Id].Contact.Phone, Is.EqualTo("+44 20 0000 0001"));
    }

    [Test]
    public async Task A_missing_consumer_or_one_of_another_tenant_is_not_found()
    {
        var world = new World();
        var cast = world.SeedCast();
        var other = world.SeedCast();
        world.ActAs(cast.Agent);

        Expect.Failure(await Update(world, Ids.New(), 1, fullName: "X"), ErrorKind.NotFound, "consumer.not_found");
        Expect.Failure(await Update(world, other.Consumer.Id, 1, fullName: "X"), ErrorKind.NotFound, "consumer.not_found");

        Expect.NothingWritten(world);
    }
}
