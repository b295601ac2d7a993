using Cms.Application.Abstractions;
using Cms.Domain.Audit;
using Cms.Domain.Common;
using Cms.Domain.Staff;
using Cms.Tests.Domain;

namespace Cms.Tests.Application.Fakes;

/// <summary>The fakes keep the promises of the ports that the handler tests rely on.</summary>
public sealed class FakeTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Test]
    public void Without_a_tenant_in_scope_the_tenant_ports_refuse_to_work()
    {
        var world = new World();
        var cast = world.SeedCast();

        Assert.That(() => world.Staff.FindBySubjectAsync(cast.Agent.Subject, None), Throws.InvalidOperationException);
        Assert.That(() => world.ComplaintQueries.ExistsAsync(Guid.NewGuid(), None), Throws.InvalidOperationException);
        Assert.That(() => world.Complaints.NextSequenceAsync(2026, None), Throws.InvalidOperationException);
    }

    [Test]
    public async Task Reads_see_only_the_tenant_in_scope_and_writes_of_another_tenants_entity_throw()
    {
        var world = new World();
        var a = world.SeedCast();
        var b = world.SeedCast();
        var complaintOfB = world.SeedComplaint(b.Tenant.Id, b.Consumer.Id);
        world.ActAs(a.Agent);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(await world.Staff.GetAsync(b.Agent.Id, None), Is.Null);
            Assert.That(await world.Staff.FindBySubjectAsync(b.Agent.Subject, None), Is.Null);
            Assert.That(await world.Consumers.GetAsync(b.Consumer.Id, None), Is.Null);
            Assert.That(await world.Consumers.ExternalRefExistsAsync(b.Consumer.ExternalRef, None), Is.False);
            Assert.That(await world.Complaints.GetAsync(complaintOfB.Id, None), Is.Null);
            Assert.That(await world.ComplaintQueries.ExistsAsync(complaintOfB.Id, None), Is.False);
            Assert.That(await world.ConsumerQueries.GetAsync(b.Consumer.Id, None), Is.Null);
            Assert.That((await world.StaffQueries.ListAsync(50, null, None)).Items.Select(s => s.Id), Has.None.EqualTo(b.Agent.Id));
            Assert.That(() => world.Staff.UpdateAsync(b.Agent, 1, None), Throws.InvalidOperationException);
            Assert.That(() => world.AuditRepository.AppendAsync(
                new AuditEntry(Ids.New(), b.Tenant.Id, world.Now, ActorType.Staff, "x", "y", "z", Ids.New(), [], null), None),
                Throws.InvalidOperationException);
        }
    }

    [Test]
    public async Task Updates_check_the_stored_version_and_store_copies()
    {
        var world = new World();
        var cast = world.SeedCast();
        world.ActAs(cast.Admin);

        var loaded = (await world.Staff.GetAsync(cast.Agent.Id, None))!;
        Assert.That(loaded.ReplaceRoles([Role.Supervisor]).IsSuccess, Is.True);
        Assert.That(world.Db.Staff[cast.Agent.Id].Roles, Is.EquivalentTo(new[] { Role.Agent }), "a change in memory is not a write");

        Assert.That(await world.Staff.UpdateAsync(loaded, 2, None), Is.False, "wrong expected version");
        Assert.That(await world.Staff.UpdateAsync(loaded, 1, None), Is.True);
        Assert.That(await world.Staff.UpdateAsync(loaded, 1, None), Is.False, "the stored version is 2 now");
        Assert.That(world.Db.Staff[cast.Agent.Id].Version, Is.EqualTo(2));
    }

    [Test]
    public async Task A_complaint_read_back_is_a_fresh_aggregate()
    {
        var world = new World();
        var cast = world.SeedCast();
        var seeded = world.SeedComplaint(cast.Tenant.Id, cast.Consumer.Id, Stage.Acknowledged);
        world.ActAs(cast.Agent);

        var first = (await world.Complaints.GetAsync(seeded.Id, None))!;
        Assert.That(first.Start(world.Now).IsSuccess, Is.True);
        var second = (await world.Complaints.GetAsync(seeded.Id, None))!;

        Assert.That(second, Is.Not.SameAs(first));
        Assert.That(second.Version, Is.EqualTo(seeded.Version));
        Assert.That(second.PendingChanges, Is.Empty);
    }

    [Test]
    public async Task Unique_keys_are_enforced_like_the_schema()
    {
        var world = new World();
        var cast = world.SeedCast();
        world.ActAs(cast.Admin);
        var twin = StaffMember.Create(Ids.New(), cast.Tenant.Id, cast.Agent.Subject, "x@example.test", "X", StaffKind.User, [Role.Agent], world.Now).Value;

        Assert.That(() => world.Staff.AddAsync(twin, None), Throws.TypeOf<DuplicateKeyException>());
        Assert.That(world.Db.Writes, Is.Empty);
    }
}
