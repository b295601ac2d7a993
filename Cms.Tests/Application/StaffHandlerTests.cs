using Cms.Application.Staff;
using Cms.Application.Staff.AddStaff;
using Cms.Application.Staff.DeactivateStaff;
using Cms.Application.Staff.ReplaceStaffRoles;
using Cms.Domain.Common;
using Cms.Domain.Staff;

namespace Cms.Tests.Application;

public sealed class StaffHandlerTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    private static ValueTask<Result<StaffDto>> Add(World w, string subject, StaffKind kind = StaffKind.User, params Role[] roles) =>
        new AddStaffHandler(w.Staff, w.Scope, w.Audit, w.Clock)
            .Handle(new AddStaffCommand(subject, " New.Person@Example.TEST ", " New Person ", roles.Length == 0 ? [Role.Agent] : roles, kind), None);

    private static ValueTask<Result<StaffDto>> Replace(World w, Guid id, long? version, params Role[] roles) =>
        new ReplaceStaffRolesHandler(w.Staff, w.Caller, w.Audit).Handle(new ReplaceStaffRolesCommand(id, roles, version), None);

    private static ValueTask<Result<StaffDto>> Deactivate(World w, Guid id, long? version) =>
        new DeactivateStaffHandler(w.Staff, w.Caller, w.Audit).Handle(new DeactivateStaffCommand(id, version), None);

    [Test]
    public async Task Adding_staff_stores_the_member_in_the_tenant_and_audits_it()
    {
        var world = new World();
        var cast = world.SeedCast();
        world.ActAs(cast.Admin);

        var dto = Expect.Success(await Add(world, " idp|new-person ", StaffKind.User, Role.Supervisor, Role.Agent));

        var entry = Expect.SingleAudit(world);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(dto.Subject, Is.EqualTo("idp|new-person"));
            Assert.That(dto.Email, Is.EqualTo("new.person@example.test"));
            Assert.That(dto.DisplayName, Is.EqualTo("New Person"));
            Assert.That(dto.Roles, Is.EqualTo(new[] { Role.Supervisor, Role.Agent }));
            Assert.That(dto.IsActive, Is.True);
            Assert.That(dto.Version, Is.EqualTo(1));
            Assert.That(world.Db.Staff[dto.Id].TenantId, Is.EqualTo(cast.Tenant.Id));
            Assert.That(entry.Action, Is.EqualTo("staff.added"));
            Assert.That(entry.EntityType, Is.EqualTo("staff"));
            Assert.That(entry.EntityId, Is.EqualTo(dto.Id));
            Assert.That(entry.ActorId, Is.EqualTo(cast.Admin.Id.ToString()));
        }
    }

    [Test]
    public async Task A_duplicate_subject_in_the_tenant_is_conflict_and_nothing_is_written()
    {
        var world = new World();
        var cast = world.SeedCast();
        world.ActAs(cast.Admin);

        Expect.Failure(await Add(world, $" {cast.Agent.Subject} "), ErrorKind.Conflict, "staff.duplicate_subject");

        Expect.NothingWritten(world);
    }

    [Test]
    public async Task The_same_subject_in_another_tenant_is_another_member()
    {
        var world = new World();
        var cast = world.SeedCast();
        var other = world.SeedCast();
        world.ActAs(cast.Admin);

        Assert.That(Expect.Success(await Add(world, other.Agent.Subject)).Id, Is.Not.EqualTo(other.Agent.Id));
    }

    [Test]
    public async Task Roles_that_do_not_fit_the_kind_are_a_validation_failure()
    {
        var world = new World();
        var cast = world.SeedCast();
        world.ActAs(cast.Admin);

        Expect.Invalid(await Add(world, "svc|a", StaffKind.ServiceAccount, Role.Agent), "roles");
        Expect.Invalid(await Add(world, "idp|b", StaffKind.User, Role.Integration), "roles");

        Expect.NothingWritten(world);
    }

    [Test]
    public async Task Replacing_roles_saves_them_bumps_the_version_and_audits()
    {
        var world = new World();
        var cast = world.SeedCast();
        world.ActAs(cast.Admin);

        var dto = Expect.Success(await Replace(world, cast.Agent.Id, 1, Role.Supervisor));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(dto.Roles, Is.EqualTo(new[] { Role.Supervisor }));
            Assert.That(dto.Version, Is.EqualTo(2));
            Assert.That(world.Db.Staff[cast.Agent.Id].Roles, Is.EquivalentTo(new[] { Role.Supervisor }));
            Assert.That(world.Db.Staff[cast.Agent.Id].Version, Is.EqualTo(2));
            Assert.That(Expect.SingleAudit(world).Action, Is.EqualTo("staff.roles_replaced"));
            Assert.That(Expect.SingleAudit(world).ChangedFields, Is.EqualTo(new[] { "roles" }));
        }
    }

    [Test]
    public async Task Without_an_expected_version_roles_are_replaced_unconditionally()
    {
        var world = new World();
        var cast = world.SeedCast();
        world.ActAs(cast.Admin);

        Assert.That(Expect.Success(await Replace(world, cast.Agent.Id, null, Role.Auditor)).Version, Is.EqualTo(2));
    }

    [Test]
    public async Task A_tenant_admin_removing_their_own_admin_role_is_conflict()
    {
        var world = new World();
        var cast = world.SeedCast();
        world.ActAs(cast.Admin);

        Expect.Failure(await Replace(world, cast.Admin.Id, 1, Role.Supervisor), ErrorKind.Conflict, "staff.self_lockout");

        Expect.NothingWritten(world);
        Assert.That(world.Db.Staff[cast.Admin.Id].Roles, Is.EquivalentTo(new[] { Role.TenantAdmin }));
    }

    [Test]
    public async Task A_tenant_admin_may_add_roles_to_themselves()
    {
        var world = new World();
        var cast = world.SeedCast();
        world.ActAs(cast.Admin);

        var dto = Expect.Success(await Replace(world, cast.Admin.Id, 1, Role.TenantAdmin, Role.Auditor));

        Assert.That(dto.Roles, Is.EquivalentTo(new[] { Role.TenantAdmin, Role.Auditor }));
    }

    [TestCase(0)]
    [TestCase(2)]
    public async Task Replacing_roles_with_a_stale_version_is_precondition_failed(long version)
    {
        var world = new World();
        var cast = world.SeedCast();
        world.ActAs(cast.Admin);

        Expect.Failure(await Replace(world, cast.Agent.Id, version, Role.Supervisor), ErrorKind.PreconditionFailed, "version.stale");

        Expect.NothingWritten(world);
    }

    [Test]
    public async Task Replacing_roles_of_a_missing_member_or_one_of_another_tenant_is_not_found()
    {
        var world = new World();
        var cast = world.SeedCast();
        var other = world.SeedCast();
        world.ActAs(cast.Admin);

        Expect.Failure(await Replace(world, Ids.New(), null, Role.Agent), ErrorKind.NotFound, "staff.not_found");
        Expect.Failure(await Replace(world, other.Agent.Id, null, Role.Agent), ErrorKind.NotFound, "staff.not_found");

        Expect.NothingWritten(world);
    }

    [Test]
    public async Task Roles_of_a_deactivated_member_cannot_change()
    {
        var world = new World();
        var cast = world.SeedCast();
        var gone = world.SeedStaff(cast.Tenant.Id, [Role.Agent], StaffKind.User, active: false);
        world.ActAs(cast.Admin);

        Expect.Failure(await Replace(world, gone.Id, gone.Version, Role.Supervisor), ErrorKind.Conflict, "staff.inactive");

        Expect.NothingWritten(world);
    }

    [Test]
    public async Task Deactivating_saves_bumps_the_version_and_audits()
    {
        var world = new World();
        var cast = world.SeedCast();
        world.ActAs(cast.Admin);

        var dto = Expect.Success(await Deactivate(world, cast.Agent.Id, 1));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(dto.IsActive, Is.False);
            Assert.That(dto.Version, Is.EqualTo(2));
            Assert.That(world.Db.Staff[cast.Agent.Id].IsActive, Is.False);
            Assert.That(Expect.SingleAudit(world).Action, Is.EqualTo("staff.deactivated"));
            Assert.That(Expect.SingleAudit(world).ChangedFields, Is.EqualTo(new[] { "isActive" }));
        }
    }

    [Test]
    public async Task A_tenant_admin_deactivating_themselves_is_conflict()
    {
        var world = new World();
        var cast = world.SeedCast();
        world.ActAs(cast.Admin);

        Expect.Failure(await Deactivate(world, cast.Admin.Id, 1), ErrorKind.Conflict, "staff.self_lockout");

        Expect.NothingWritten(world);
        Assert.That(world.Db.Staff[cast.Admin.Id].IsActive, Is.True);
    }

    [TestCase(0)]
    [TestCase(2)]
    public async Task Deactivating_with_a_stale_version_is_precondition_failed(long version)
    {
        var world = new World();
        var cast = world.SeedCast();
        world.ActAs(cast.Admin);

        Expect.Failure(await Deactivate(world, cast.Agent.Id, version), ErrorKind.PreconditionFailed, "version.stale");

        Expect.NothingWritten(world);
    }

    [Test]
    public async Task Deactivating_twice_is_conflict()
    {
        var world = new World();
        var cast = world.SeedCast();
        world.ActAs(cast.Admin);
        Expect.Success(await Deactivate(world, cast.Agent.Id, 1));

        Expect.Failure(await Deactivate(world, cast.Agent.Id, 2), ErrorKind.Conflict, "staff.inactive");
    }

    [Test]
    public async Task Losing_the_race_to_a_concurrent_writer_is_precondition_failed_and_not_audited()
    {
        var world = new World();
        var cast = world.SeedCast();
        var secondAdmin = world.SeedStaff(cast.Tenant.Id, Role.TenantAdmin);
        world.ActAs(cast.Admin);
        var winner = world.NextRequest().ActAs(secondAdmin);
        world.Staff.BeforeUpdate = () =>
        {
            Expect.Success(Replace(winner, cast.Agent.Id, 1, Role.Supervisor).AsTask().GetAwaiter().GetResult());
            world.Db.Writes.Clear();
            world.Db.Audit.Clear();
        };

        Expect.Failure(await Deactivate(world, cast.Agent.Id, 1), ErrorKind.PreconditionFailed, "version.stale");

        Expect.NothingWritten(world);
        Assert.That(world.Db.Staff[cast.Agent.Id].IsActive, Is.True, "the winner's write stands");
        Assert.That(world.Db.Staff[cast.Agent.Id].Roles, Is.EquivalentTo(new[] { Role.Supervisor }));
    }
}
