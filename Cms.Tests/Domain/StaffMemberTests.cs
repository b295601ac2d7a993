using Cms.Domain.Common;
using Cms.Domain.Staff;

namespace Cms.Tests.Domain;

public sealed class StaffMemberTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 27, 10, 0, 0, TimeSpan.Zero);

    private static Result<StaffMember> Create(StaffKind kind, params Role[] roles) =>
        StaffMember.Create(Guid.CreateVersion7(), TestComplaints.TenantId, " auth0|123 ", " Jane.Doe@Example.COM ", " Jane Doe ",
            kind, roles, Now);

    private static StaffMember User(params Role[] roles) => ResultAssert.Succeeded(Create(StaffKind.User, roles));

    [Test]
    public void Create_normalises_subject_email_and_name_and_starts_active_at_version_one()
    {
        var member = User(Role.Agent, Role.Supervisor, Role.Agent);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(member.TenantId, Is.EqualTo(TestComplaints.TenantId));
            Assert.That(member.Subject, Is.EqualTo("auth0|123"));
            Assert.That(member.Email, Is.EqualTo("jane.doe@example.com"));
            Assert.That(member.DisplayName, Is.EqualTo("Jane Doe"));
            Assert.That(member.Kind, Is.EqualTo(StaffKind.User));
            Assert.That(member.Roles, Is.EquivalentTo(new[] { Role.Agent, Role.Supervisor }));
            Assert.That(member.IsActive, Is.True);
            Assert.That(member.CreatedAt, Is.EqualTo(Now));
            Assert.That(member.Version, Is.EqualTo(1));
        }
    }

    [TestCase(StaffKind.User)]
    [TestCase(StaffKind.ServiceAccount)]
    public void Create_without_roles_is_refused(StaffKind kind)
    {
        var error = ResultAssert.FailedValidation(Create(kind), "roles");

        Assert.That(error.Message, Does.Contain("At least one role"));
    }

    [Test]
    public void A_service_account_holds_exactly_the_integration_role()
    {
        var member = ResultAssert.Succeeded(Create(StaffKind.ServiceAccount, Role.Integration));

        Assert.That(member.Roles, Is.EquivalentTo(new[] { Role.Integration }));
    }

    [TestCase(Role.Agent)]
    [TestCase(Role.TenantAdmin)]
    [TestCase(Role.Integration, Role.Auditor)]
    [TestCase(Role.Integration, Role.Supervisor)]
    public void A_service_account_with_other_roles_is_refused(params Role[] roles)
    {
        var error = ResultAssert.FailedValidation(Create(StaffKind.ServiceAccount, roles), "roles");

        Assert.That(error.Message, Does.Contain("exactly the integration role"));
    }

    [TestCase(Role.Integration)]
    [TestCase(Role.Agent, Role.Integration)]
    public void A_user_never_holds_the_integration_role(params Role[] roles)
    {
        var error = ResultAssert.FailedValidation(Create(StaffKind.User, roles), "roles");

        Assert.That(error.Message, Does.Contain("service accounts only"));
    }

    [TestCase(Role.TenantAdmin)]
    [TestCase(Role.Supervisor)]
    [TestCase(Role.Agent)]
    [TestCase(Role.Auditor)]
    [TestCase(Role.TenantAdmin, Role.Supervisor, Role.Agent, Role.Auditor)]
    public void A_user_may_hold_any_human_roles(params Role[] roles)
    {
        Assert.That(Create(StaffKind.User, roles).IsSuccess, Is.True);
    }

    [Test]
    public void ReplaceRoles_replaces_the_set_and_bumps_the_version()
    {
        var member = User(Role.Agent);

        ResultAssert.Succeeded(member.ReplaceRoles([Role.Supervisor, Role.Auditor]));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(member.Roles, Is.EquivalentTo(new[] { Role.Supervisor, Role.Auditor }));
            Assert.That(member.Version, Is.EqualTo(2));
        }
    }

    [TestCase(StaffKind.User)]
    [TestCase(StaffKind.ServiceAccount)]
    public void ReplaceRoles_with_nothing_is_refused_and_keeps_the_roles(StaffKind kind)
    {
        var role = kind == StaffKind.User ? Role.Agent : Role.Integration;
        var member = ResultAssert.Succeeded(Create(kind, role));

        var error = ResultAssert.Failed(member.ReplaceRoles([]));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(error.Kind, Is.EqualTo(ErrorKind.Validation));
            Assert.That(error.Fields?.Keys, Is.EquivalentTo(new[] { "roles" }));
            Assert.That(member.Roles, Is.EquivalentTo(new[] { role }));
            Assert.That(member.Version, Is.EqualTo(1));
        }
    }

    [Test]
    public void ReplaceRoles_applies_the_kind_rules()
    {
        var user = User(Role.Agent);
        var service = ResultAssert.Succeeded(Create(StaffKind.ServiceAccount, Role.Integration));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(ResultAssert.Failed(user.ReplaceRoles([Role.Integration])).Kind, Is.EqualTo(ErrorKind.Validation));
            Assert.That(ResultAssert.Failed(service.ReplaceRoles([Role.Agent])).Kind, Is.EqualTo(ErrorKind.Validation));
            Assert.That(ResultAssert.Failed(service.ReplaceRoles([Role.Integration, Role.Agent])).Kind, Is.EqualTo(ErrorKind.Validation));
            Assert.That(user.Roles, Is.EquivalentTo(new[] { Role.Agent }));
            Assert.That(service.Roles, Is.EquivalentTo(new[] { Role.Integration }));
            Assert.That(user.Version, Is.EqualTo(1));
            Assert.That(service.Version, Is.EqualTo(1));
        }
    }

    [Test]
    public void Deactivate_makes_the_member_inactive_and_bumps_the_version()
    {
        var member = User(Role.Agent);

        ResultAssert.Succeeded(member.Deactivate());

        using (Assert.EnterMultipleScope())
        {
            Assert.That(member.IsActive, Is.False);
            Assert.That(member.Version, Is.EqualTo(2));
        }
    }

    [Test]
    public void Deactivate_twice_is_a_conflict()
    {
        var member = User(Role.Agent);
        ResultAssert.Succeeded(member.Deactivate());

        var error = ResultAssert.Failed(member.Deactivate());

        using (Assert.EnterMultipleScope())
        {
            Assert.That(error.Kind, Is.EqualTo(ErrorKind.Conflict));
            Assert.That(error.Code, Is.EqualTo("staff.inactive"));
            Assert.That(member.Version, Is.EqualTo(2));
        }
    }

    [Test]
    public void The_roles_of_an_inactive_member_cannot_change()
    {
        var member = User(Role.Agent);
        ResultAssert.Succeeded(member.Deactivate());

        var error = ResultAssert.Failed(member.ReplaceRoles([Role.Supervisor]));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(error.Kind, Is.EqualTo(ErrorKind.Conflict));
            Assert.That(error.Code, Is.EqualTo("staff.inactive"));
            Assert.That(member.Roles, Is.EquivalentTo(new[] { Role.Agent }));
            Assert.That(member.Version, Is.EqualTo(2));
        }
    }

    [Test]
    public void HasAnyRole_is_true_when_an_active_member_holds_one_of_the_roles()
    {
        var member = User(Role.Agent, Role.Auditor);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(member.HasAnyRole([Role.Supervisor, Role.Agent]), Is.True);
            Assert.That(member.HasAnyRole([Role.Auditor]), Is.True);
            Assert.That(member.HasAnyRole([Role.Supervisor, Role.TenantAdmin]), Is.False);
            Assert.That(member.HasAnyRole([]), Is.False);
        }
    }

    [Test]
    public void HasAnyRole_is_false_when_inactive()
    {
        var member = User(Role.Agent);
        ResultAssert.Succeeded(member.Deactivate());

        Assert.That(member.HasAnyRole([Role.Agent]), Is.False);
    }

    [Test]
    public void Restore_keeps_every_field_as_stored()
    {
        var roles = new HashSet<Role> { Role.Auditor };
        var member = StaffMember.Restore(Guid.Empty, TestComplaints.TenantId, "sub", "Mixed@Case", "Name", StaffKind.User, roles,
            false, Now, 7);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(member.Email, Is.EqualTo("Mixed@Case"));
            Assert.That(member.Roles, Is.EquivalentTo(roles));
            Assert.That(member.IsActive, Is.False);
            Assert.That(member.Version, Is.EqualTo(7));
        }
    }
}
