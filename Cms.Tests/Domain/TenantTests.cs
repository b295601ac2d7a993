using Cms.Domain.Common;
using Cms.Domain.Regulation;
using Cms.Domain.Tenants;

namespace Cms.Tests.Domain;

public sealed class TenantTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 27, 10, 0, 0, TimeSpan.Zero);

    private static Result<Tenant> Create(string name = "Acme Bank", Sector sector = Sector.Banking, Jurisdiction jurisdiction = Jurisdiction.UK) =>
        Tenant.Create(new Guid("0190a0f0-0000-7000-8000-0000000000aa"), name, sector, jurisdiction, Now);

    [Test]
    public void Create_an_active_tenant_with_a_trimmed_name()
    {
        var tenant = ResultAssert.Succeeded(Create("  Acme Bank  "));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(tenant.Id, Is.EqualTo(new Guid("0190a0f0-0000-7000-8000-0000000000aa")));
            Assert.That(tenant.Name, Is.EqualTo("Acme Bank"));
            Assert.That(tenant.Sector, Is.EqualTo(Sector.Banking));
            Assert.That(tenant.Jurisdiction, Is.EqualTo(Jurisdiction.UK));
            Assert.That(tenant.Status, Is.EqualTo(TenantStatus.Active));
            Assert.That(tenant.CreatedAt, Is.EqualTo(Now));
            Assert.That(tenant.Profile, Is.SameAs(RegulatoryProfiles.UkBanking));
        }
    }

    [TestCase("")]
    [TestCase("   ")]
    public void Create_without_a_name_is_refused(string name)
    {
        ResultAssert.FailedValidation(Create(name), "name");
    }

    [Test]
    public void Create_with_a_name_at_the_length_limit_is_accepted()
    {
        Assert.That(Create(new string('a', Limits.Name)).IsSuccess, Is.True);
    }

    [Test]
    public void Create_with_a_name_over_the_length_limit_is_refused()
    {
        ResultAssert.FailedValidation(Create(new string('a', Limits.Name + 1)), "name");
    }

    [Test]
    public void Every_sector_and_jurisdiction_can_be_a_tenant()
    {
        foreach (var sector in Enum.GetValues<Sector>())
        {
            foreach (var jurisdiction in Enum.GetValues<Jurisdiction>())
            {
                var tenant = ResultAssert.Succeeded(Create(sector: sector, jurisdiction: jurisdiction));
                Assert.That(tenant.Profile, Is.SameAs(RegulatoryProfiles.For(sector, jurisdiction)), $"{sector}/{jurisdiction}");
            }
        }
    }

    [TestCase(Sector.Banking, Jurisdiction.UK)]
    [TestCase(Sector.Banking, Jurisdiction.US)]
    [TestCase(Sector.Telecom, Jurisdiction.UK)]
    [TestCase(Sector.Telecom, Jurisdiction.EU)]
    [TestCase(Sector.Airline, Jurisdiction.US)]
    [TestCase(Sector.Airline, Jurisdiction.EU)]
    [TestCase(Sector.Banking, Jurisdiction.EU)]
    [TestCase(Sector.Telecom, Jurisdiction.US)]
    [TestCase(Sector.Airline, Jurisdiction.UK)]
    public void Create_for_a_supported_combination_gets_its_profile(Sector sector, Jurisdiction jurisdiction)
    {
        var tenant = ResultAssert.Succeeded(Create(sector: sector, jurisdiction: jurisdiction));

        Assert.That(tenant.Profile, Is.SameAs(RegulatoryProfiles.For(sector, jurisdiction)));
    }

    [Test]
    public void Restore_keeps_every_field_as_stored()
    {
        var tenant = Tenant.Restore(Guid.Empty, " Stored ", Sector.Airline, Jurisdiction.EU, TenantStatus.Suspended, Now);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(tenant.Name, Is.EqualTo(" Stored "));
            Assert.That(tenant.Status, Is.EqualTo(TenantStatus.Suspended));
            Assert.That(tenant.Profile, Is.SameAs(RegulatoryProfiles.EuAirline));
        }
    }

    [Test]
    public void Profile_of_a_restored_tenant_without_a_profile_throws()
    {
        // Every sector and jurisdiction has a profile today; a stored value the code no longer knows has none.
        var tenant = Tenant.Restore(Guid.Empty, "Odd", (Sector)99, Jurisdiction.UK, TenantStatus.Active, Now);

        Assert.That(() => tenant.Profile, Throws.InvalidOperationException);
    }

    [Test]
    public void Suspension_and_reactivation_record_the_reason_and_refuse_a_repeat()
    {
        var tenant = ResultAssert.Succeeded(Create());
        var later = Now.AddDays(1);

        ResultAssert.Succeeded(tenant.Suspend("  Unpaid invoices ", later));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(tenant.Status, Is.EqualTo(TenantStatus.Suspended));
            Assert.That(tenant.StatusReason, Is.EqualTo("Unpaid invoices"));
            Assert.That(tenant.StatusChangedAt, Is.EqualTo(later));
            Assert.That(tenant.Suspend("again", later).Error!.Kind, Is.EqualTo(ErrorKind.Conflict));
            Assert.That(tenant.StatusReason, Is.EqualTo("Unpaid invoices"), "a refused change keeps the first reason");
        }

        ResultAssert.Succeeded(tenant.Reactivate("Paid", later.AddDays(1)));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(tenant.Status, Is.EqualTo(TenantStatus.Active));
            Assert.That(tenant.Reactivate("Paid", later).Error!.Kind, Is.EqualTo(ErrorKind.Conflict));
            Assert.That(tenant.Suspend(" ", later).Error!.Kind, Is.EqualTo(ErrorKind.Validation));
            Assert.That(tenant.Suspend(new string('x', Tenant.MaxStatusReasonLength + 1), later).Error!.Kind, Is.EqualTo(ErrorKind.Validation));
            Assert.That(tenant.Status, Is.EqualTo(TenantStatus.Active));
        }
    }
}
