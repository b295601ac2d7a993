using Cms.Application.Tenants;
using Cms.Application.Tenants.CreateTenant;
using Cms.Domain.Audit;
using Cms.Domain.Common;
using Cms.Domain.Staff;
using Cms.Domain.Tenants;

namespace Cms.Tests.Application;

public sealed class CreateTenantHandlerTests
{
    private static ValueTask<Result<TenantDto>> Create(World w, Sector sector = Sector.Telecom, Jurisdiction jurisdiction = Jurisdiction.EU) =>
        new CreateTenantHandler(w.Tenants, w.Staff, w.LegalEntities, w.Scope, w.Audit, w.PlatformAudit, w.Clock)
            .Handle(new CreateTenantCommand(" Fibre Co ", sector, jurisdiction,
                new TenantAdminInput(" idp|first-admin ", "Admin@Fibre.TEST", " First Admin ")), CancellationToken.None);

    [Test]
    public async Task A_tenant_is_created_with_its_first_tenant_admin_inside_the_new_tenants_scope()
    {
        var world = new World();
        world.Caller.SetPlatform("platform-operator-7");

        var dto = Expect.Success(await Create(world));

        var admin = world.Db.Staff.Values.Single();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(dto.Name, Is.EqualTo("Fibre Co"));
            Assert.That(dto.RegulatoryProfile, Is.EqualTo("eu_telecom_c4"));
            Assert.That(dto.Status, Is.EqualTo(TenantStatus.Active));
            Assert.That(world.Db.Tenants.Keys, Is.EqualTo(new[] { dto.Id }));
            Assert.That(world.Scope.TenantId, Is.EqualTo(dto.Id), "the request now works inside the new tenant");
            Assert.That(admin.TenantId, Is.EqualTo(dto.Id));
            Assert.That(admin.Subject, Is.EqualTo("idp|first-admin"));
            Assert.That(admin.Email, Is.EqualTo("admin@fibre.test"));
            Assert.That(admin.Kind, Is.EqualTo(StaffKind.User));
            Assert.That(admin.Roles, Is.EquivalentTo(new[] { Role.TenantAdmin }));
            Assert.That(admin.IsActive, Is.True);
        }

        Assert.That(world.Db.Audit.Select(a => (a.Action, a.EntityType, a.EntityId)), Is.EqualTo(new[]
        {
            ("tenant.created", "tenant", dto.Id),
            ("legal_entity.created", "legal_entity", dto.Id), // the default entity: the tenant's id
            ("staff.added", "staff", admin.Id),
        }));
        Assert.That(world.Db.Audit.Select(a => (a.TenantId, a.ActorType, a.ActorId)),
            Is.All.EqualTo((dto.Id, ActorType.Platform, "platform-operator-7")), "audited in the new tenant, by the platform operator");
    }

    [Test]
    public async Task Every_sector_and_jurisdiction_now_has_a_profile_so_a_uk_airline_is_created_with_the_caa_profile()
    {
        var world = new World();
        world.Caller.SetPlatform("platform-operator");

        var tenant = Expect.Success(await Create(world, Sector.Airline, Jurisdiction.UK));

        Assert.That(tenant.RegulatoryProfile, Is.EqualTo("uk_airline_caa"));
    }

    [Test]
    public async Task Two_tenants_may_have_admins_with_the_same_subject()
    {
        var world = new World();
        world.Caller.SetPlatform("platform-operator");
        var first = Expect.Success(await Create(world));
        var second = world.NextRequest();
        second.Caller.SetPlatform("platform-operator");

        var other = Expect.Success(await Create(second));

        Assert.That(other.Id, Is.Not.EqualTo(first.Id));
        Assert.That(world.Db.Staff.Values.Select(s => s.TenantId), Is.EquivalentTo(new[] { first.Id, other.Id }));
    }
}
