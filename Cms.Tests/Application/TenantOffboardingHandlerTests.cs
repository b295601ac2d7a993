using Cms.Application.PlatformAudit;
using Cms.Application.Tenants;
using Cms.Application.Tenants.ExportTenant;
using Cms.Application.Tenants.OffboardTenant;
using Cms.Domain.Common;
using Cms.Domain.Tenants;

namespace Cms.Tests.Application;

/// <summary>The offboarding rules: who may be deleted (suspended; exported since the suspension, or an explicit
/// override), when personal data may be decrypted, and what the platform audit chain records.</summary>
public sealed class TenantOffboardingHandlerTests
{
    private static World WithTenant(out Tenant tenant, bool suspended)
    {
        var world = new World();
        world.Caller.SetPlatform("platform-operator-3");
        tenant = Tenant.Create(Ids.New(), "Fibre Co", Sector.Telecom, Jurisdiction.EU, world.Now).Value;
        if (suspended)
        {
            world.Clock.Advance(TimeSpan.FromHours(1));
            tenant.Suspend("Contract ended", world.Now);
        }

        world.Db.Tenants[tenant.Id] = tenant;
        return world;
    }

    private static ValueTask<Result<TenantOffboardingDto>> Offboard(World w, Guid tenantId, bool withoutExport = false, string? reason = null) =>
        new OffboardTenantHandler(w.Tenants, w.Offboardings, w.PlatformAuditLog, w.PlatformAudit, w.Caller, w.Clock)
            .Handle(new OffboardTenantCommand(tenantId, withoutExport, reason), CancellationToken.None);

    private static ValueTask<Result<TenantExportTicket>> Export(World w, Guid tenantId, bool decrypt = false) =>
        new ExportTenantHandler(w.Tenants, w.PlatformAudit, w.Caller)
            .Handle(new ExportTenantCommand(tenantId, decrypt), CancellationToken.None);

    private static Task Exported(World w, Guid tenantId) =>
        w.PlatformAuditLog.AppendAsync(PlatformAuditTrail.Record("platform-operator-3", PlatformAuditTrail.Exported, tenantId, null), CancellationToken.None);

    [Test]
    public async Task An_active_tenant_is_not_deleted_and_nothing_is_written()
    {
        var world = WithTenant(out var tenant, suspended: false);
        await Exported(world, tenant.Id);
        world.Db.Writes.Clear();
        Expect.Failure(await Offboard(world, tenant.Id), ErrorKind.Conflict, "tenant.not_suspended");
        Expect.NothingWritten(world);
        Assert.That(world.Db.Offboardings, Is.Empty);
    }

    [Test]
    public async Task A_suspended_tenant_needs_an_export_taken_since_its_suspension()
    {
        var world = WithTenant(out var tenant, suspended: false);
        await Exported(world, tenant.Id); // while active: its data could still change before the suspension
        world.Clock.Advance(TimeSpan.FromHours(1));
        tenant.Suspend("Contract ended", world.Now);
        world.Db.Writes.Clear();
        Expect.Failure(await Offboard(world, tenant.Id), ErrorKind.Conflict, "tenant.not_exported");
        Expect.NothingWritten(world);

        await Exported(world, tenant.Id);
        var offboarding = Expect.Success(await Offboard(world, tenant.Id));
        Assert.That(offboarding.State, Is.EqualTo(OffboardingState.Deleting));
        Assert.That(offboarding.ExportEntrySequence, Is.EqualTo(world.Db.PlatformAudit.Single(e => e.Sequence == 2).Sequence));
        Assert.That(world.Db.PlatformAudit[^1].Action, Is.EqualTo(PlatformAuditTrail.OffboardingStarted));
    }

    [Test]
    public async Task Without_an_export_the_operator_gives_a_reason_and_asking_again_changes_nothing()
    {
        var world = WithTenant(out var tenant, suspended: true);
        var offboarding = Expect.Success(await Offboard(world, tenant.Id, withoutExport: true, reason: " Data returned on tape "));
        Assert.That(offboarding.WithoutExportReason, Is.EqualTo("Data returned on tape"));
        Assert.That(offboarding.RequestedBy, Is.EqualTo("platform-operator-3"));

        world.Db.Writes.Clear();
        Assert.That(Expect.Success(await Offboard(world, tenant.Id)), Is.EqualTo(offboarding));
        Assert.That(world.Db.Writes, Is.Empty);
        Expect.Failure(await Offboard(world, Ids.New()), ErrorKind.NotFound);
    }

    [Test]
    public void The_override_needs_a_reason_and_a_reason_needs_the_override()
    {
        var validator = new OffboardTenantValidator();
        Assert.That(Validate(validator, new OffboardTenantCommand(Ids.New(), true, null)), Does.ContainKey("reason"));
        Assert.That(Validate(validator, new OffboardTenantCommand(Ids.New(), false, "why")), Does.ContainKey("reason"));
        Assert.That(Validate(validator, new OffboardTenantCommand(Ids.New(), true, new string('x', 501))), Does.ContainKey("reason"));
        Assert.That(Validate(validator, new OffboardTenantCommand(Ids.New(), true, "Contract ended")), Is.Empty);
    }

    [Test]
    public async Task Personal_data_is_decrypted_only_for_a_suspended_tenant_and_every_export_is_audited()
    {
        var world = WithTenant(out var tenant, suspended: false);
        Expect.Failure(await Export(world, tenant.Id, decrypt: true), ErrorKind.Conflict, "tenant.not_suspended");
        Assert.That(world.Db.PlatformAudit, Is.Empty);

        var ticket = Expect.Success(await Export(world, tenant.Id));
        Assert.That(ticket.DecryptPersonalData, Is.False);
        tenant.Suspend("Contract ended", world.Now);
        var decrypted = Expect.Success(await Export(world, tenant.Id, decrypt: true));
        Assert.That(world.Db.PlatformAudit.Select(e => (e.Action, e.Sequence)), Is.EqualTo(new[]
        {
            (PlatformAuditTrail.ExportStarted, ticket.StartedEntrySequence), (PlatformAuditTrail.ExportStarted, decrypted.StartedEntrySequence),
        }));
        Assert.That(world.Db.PlatformAudit[^1].Details, Does.Contain("\"decryptPersonalData\":true"));
        Assert.That(FakePlatformAuditLogChainHolds(world), Is.True);
    }

    private static bool FakePlatformAuditLogChainHolds(World world)
    {
        PlatformAuditEntry? previous = null;
        foreach (var entry in world.Db.PlatformAudit)
        {
            if (!Fakes.FakePlatformAuditLog.Chain.Follows(entry, previous))
            {
                return false;
            }

            previous = entry;
        }

        return true;
    }

    private static Dictionary<string, string> Validate<T>(Cms.Application.Common.IValidator<T> validator, T request)
    {
        var errors = new Cms.Application.Common.ValidationErrors();
        validator.Validate(request, errors);
        return errors.Entries.GroupBy(e => e.Field).ToDictionary(g => g.Key, g => g.First().Message);
    }
}
