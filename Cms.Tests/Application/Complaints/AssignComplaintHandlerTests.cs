using Cms.Application.Complaints;
using Cms.Application.Complaints.AssignComplaint;
using Cms.Domain.Common;
using Cms.Domain.Staff;
using Cms.Tests.Domain;

namespace Cms.Tests.Application;

/// <summary>Who may assign to whom: an agent only takes complaints for itself; the assignee must be able to handle them.</summary>
public sealed class AssignComplaintHandlerTests
{
    private static ValueTask<Result<ComplaintDto>> Assign(World w, Guid complaintId, long version, Guid assigneeId) =>
        new AssignComplaintHandler(w.Staff, w.Complaints, w.ComplaintQueries, w.Caller, w.Audit, w.Clock)
            .Handle(new AssignComplaintCommand(complaintId, version, assigneeId), CancellationToken.None);

    [Test]
    public async Task An_agent_assigning_an_unassigned_complaint_to_someone_else_is_forbidden()
    {
        var world = new World();
        var cast = world.SeedCast();
        var seeded = world.SeedComplaint(cast);
        world.ActAs(cast.Agent);

        Expect.Failure(await Assign(world, seeded.Id, seeded.Version, cast.OtherAgent.Id), ErrorKind.Forbidden);

        Expect.NothingWritten(world);
    }

    [Test]
    public async Task An_agent_may_take_an_unassigned_complaint()
    {
        var world = new World();
        var cast = world.SeedCast();
        var seeded = world.SeedComplaint(cast);
        world.ActAs(cast.Agent);

        var dto = Expect.Success(await Assign(world, seeded.Id, seeded.Version, cast.Agent.Id));

        Assert.That(dto.AssigneeId, Is.EqualTo(cast.Agent.Id));
        Assert.That(world.StoredComplaint(seeded.Id).AssigneeId, Is.EqualTo(cast.Agent.Id));
    }

    [TestCase(Role.Agent)]
    [TestCase(Role.Supervisor)]
    [TestCase(Role.TenantAdmin)]
    public async Task A_supervisor_may_assign_to_anyone_who_handles_complaints(Role assigneeRole)
    {
        var world = new World();
        var cast = world.SeedCast();
        var assignee = world.SeedStaff(cast.Tenant.Id, assigneeRole);
        var seeded = world.SeedComplaint(cast, Stage.Investigating, assigneeId: cast.Agent.Id);
        world.ActAs(cast.Supervisor);

        var dto = Expect.Success(await Assign(world, seeded.Id, seeded.Version, assignee.Id));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(dto.AssigneeId, Is.EqualTo(assignee.Id));
            Assert.That(dto.Version, Is.EqualTo(seeded.Version + 1));
            Assert.That(Expect.SingleAudit(world).ChangedFields, Is.EqualTo(new[] { "assigneeId" }));
        }
    }

    [Test]
    public async Task A_tenant_admin_may_assign_others_too()
    {
        var world = new World();
        var cast = world.SeedCast();
        var seeded = world.SeedComplaint(cast);
        world.ActAs(cast.Admin);

        Assert.That(Expect.Success(await Assign(world, seeded.Id, seeded.Version, cast.OtherAgent.Id)).AssigneeId, Is.EqualTo(cast.OtherAgent.Id));
    }

    [Test]
    public async Task A_missing_assignee_or_one_of_another_tenant_is_not_found()
    {
        var world = new World();
        var cast = world.SeedCast();
        var other = world.SeedCast();
        var seeded = world.SeedComplaint(cast);
        world.ActAs(cast.Supervisor);

        Expect.Failure(await Assign(world, seeded.Id, seeded.Version, Ids.New()), ErrorKind.NotFound, "staff.not_found");
        Expect.Failure(await Assign(world, seeded.Id, seeded.Version, other.Agent.Id), ErrorKind.NotFound, "staff.not_found");

        Expect.NothingWritten(world);
    }

    [TestCase(Role.Auditor)]
    public async Task An_assignee_without_a_handling_role_is_conflict(Role role)
    {
        var world = new World();
        var cast = world.SeedCast();
        var auditor = world.SeedStaff(cast.Tenant.Id, role);
        var service = world.SeedStaff(cast.Tenant.Id, [Role.Integration], StaffKind.ServiceAccount);
        var seeded = world.SeedComplaint(cast);
        world.ActAs(cast.Supervisor);

        Expect.Failure(await Assign(world, seeded.Id, seeded.Version, auditor.Id), ErrorKind.Conflict, "complaint.assignee_cannot_handle");
        Expect.Failure(await Assign(world, seeded.Id, seeded.Version, service.Id), ErrorKind.Conflict, "complaint.assignee_cannot_handle");

        Expect.NothingWritten(world);
    }

    [Test]
    public async Task A_deactivated_assignee_is_conflict()
    {
        var world = new World();
        var cast = world.SeedCast();
        var gone = world.SeedStaff(cast.Tenant.Id, [Role.Agent], StaffKind.User, active: false);
        var seeded = world.SeedComplaint(cast);
        world.ActAs(cast.Supervisor);

        Expect.Failure(await Assign(world, seeded.Id, seeded.Version, gone.Id), ErrorKind.Conflict, "complaint.assignee_cannot_handle");

        Expect.NothingWritten(world);
    }

    [Test]
    public async Task Assigning_to_the_current_assignee_is_conflict_and_writes_nothing()
    {
        var world = new World();
        var cast = world.SeedCast();
        var seeded = world.SeedComplaint(cast, assigneeId: cast.Agent.Id);
        world.ActAs(cast.Supervisor);

        Expect.Failure(await Assign(world, seeded.Id, seeded.Version, cast.Agent.Id), ErrorKind.Conflict, "complaint.already_assigned");

        Expect.NothingWritten(world);
    }
}
