using Cms.Domain.Consumers;

namespace Cms.Tests.Domain;

public sealed class ConsumerTests
{
    private static readonly DateTimeOffset Registered = new(2026, 3, 27, 10, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Later = Registered.AddDays(1);

    private static readonly PostalAddress Address = new(["1 High Street", "Flat 2"], "London", "SW1A 1AA", "GB");

    private static Consumer Register() => Consumer.Register(Guid.CreateVersion7(), TestComplaints.TenantId, " C-0001 ",
        new ContactDetails(" Ann Smith ", " Ann.Smith@Example.com ", " +44 20 7946 0000 ", Address),
        new DateOnly(1980, 5, 17), new Vulnerability(new HashSet<VulnerabilityDriver> { VulnerabilityDriver.Health }, true), Registered);

    [Test]
    public void Register_normalises_the_contact_details()
    {
        var consumer = Register();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(consumer.ExternalRef, Is.EqualTo("C-0001"));
            Assert.That(consumer.Contact.FullName, Is.EqualTo("Ann Smith"));
            Assert.That(consumer.Contact.Email, Is.EqualTo("ann.smith@example.com"));
            Assert.That(consumer.Contact.Phone, Is.EqualTo("+44 20 7946 0000"));
            Assert.That(consumer.Contact.Address, Is.SameAs(Address));
            Assert.That(consumer.DateOfBirth, Is.EqualTo(new DateOnly(1980, 5, 17)));
            Assert.That(consumer.LegalHold, Is.False);
            Assert.That(consumer.CreatedAt, Is.EqualTo(Registered));
            Assert.That(consumer.UpdatedAt, Is.EqualTo(Registered));
            Assert.That(consumer.Version, Is.EqualTo(1));
        }
    }

    [Test]
    public void Register_without_email_phone_or_address()
    {
        var consumer = Consumer.Register(Guid.CreateVersion7(), TestComplaints.TenantId, "C-2",
            new ContactDetails("Bob", null, null, null), null, Vulnerability.None, Registered);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(consumer.Contact, Is.EqualTo(new ContactDetails("Bob", null, null, null)));
            Assert.That(consumer.Vulnerability.Drivers, Is.Empty);
            Assert.That(consumer.Vulnerability.ConsentRecorded, Is.False);
        }
    }

    [Test]
    public void UpdateContactDetails_with_nothing_given_changes_nothing()
    {
        var consumer = Register();

        var changed = consumer.UpdateContactDetails(null, null, null, null, null, Later);

        AssertUnchanged(consumer, changed);
    }

    [Test]
    public void UpdateContactDetails_with_the_same_values_changes_nothing()
    {
        var consumer = Register();
        var sameAddress = new PostalAddress(["1 High Street", "Flat 2"], "London", "SW1A 1AA", "GB");
        var sameVulnerability = new Vulnerability(new HashSet<VulnerabilityDriver> { VulnerabilityDriver.Health }, true);

        var changed = consumer.UpdateContactDetails("  Ann Smith", "ANN.SMITH@example.COM  ", "+44 20 7946 0000 ", sameAddress,
            sameVulnerability, Later);

        AssertUnchanged(consumer, changed);
    }

    [Test]
    public void UpdateContactDetails_returns_only_the_changed_field_names_and_bumps_the_version_once()
    {
        var consumer = Register();

        var changed = consumer.UpdateContactDetails("Ann Jones", "ann.smith@example.com", null, null, null, Later);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(changed, Is.EqualTo(new[] { "fullName" }));
            Assert.That(consumer.Contact.FullName, Is.EqualTo("Ann Jones"));
            Assert.That(consumer.Contact.Email, Is.EqualTo("ann.smith@example.com"));
            Assert.That(consumer.Version, Is.EqualTo(2));
            Assert.That(consumer.UpdatedAt, Is.EqualTo(Later));
        }
    }

    [Test]
    public void UpdateContactDetails_normalises_a_new_email()
    {
        var consumer = Register();

        var changed = consumer.UpdateContactDetails(null, "  New.Address@Example.ORG ", null, null, null, Later);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(changed, Is.EqualTo(new[] { "email" }));
            Assert.That(consumer.Contact.Email, Is.EqualTo("new.address@example.org"));
        }
    }

    [Test]
    public void UpdateContactDetails_lists_every_changed_field_in_order()
    {
        var consumer = Register();
        var newAddress = Address with { Lines = ["2 Low Road"] };
        var newVulnerability = new Vulnerability(new HashSet<VulnerabilityDriver> { VulnerabilityDriver.LifeEvent }, true);

        var changed = consumer.UpdateContactDetails(" Ann Jones ", "ann@example.org", " 07700 900000 ", newAddress, newVulnerability, Later);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(changed, Is.EqualTo(new[] { "fullName", "email", "phone", "address", "vulnerability" }));
            Assert.That(consumer.Contact, Is.EqualTo(new ContactDetails("Ann Jones", "ann@example.org", "07700 900000", newAddress)));
            Assert.That(consumer.Vulnerability, Is.SameAs(newVulnerability));
            Assert.That(consumer.Version, Is.EqualTo(2));
        }
    }

    [Test]
    public void UpdateContactDetails_compares_addresses_by_value()
    {
        var consumer = Register();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(consumer.UpdateContactDetails(null, null, null, Address with { City = "Leeds" }, null, Later),
                Is.EqualTo(new[] { "address" }));
            Assert.That(consumer.UpdateContactDetails(null, null, null, Address with { City = "Leeds", Postcode = "LS1 1AA" }, null, Later),
                Is.EqualTo(new[] { "address" }));
            Assert.That(consumer.UpdateContactDetails(null, null, null, Address with { City = "Leeds", Postcode = "LS1 1AA", Country = "IE" }, null, Later),
                Is.EqualTo(new[] { "address" }));
            Assert.That(consumer.Version, Is.EqualTo(4));
        }
    }

    [Test]
    public void UpdateContactDetails_adds_an_address_where_there_was_none()
    {
        var consumer = Consumer.Register(Guid.CreateVersion7(), TestComplaints.TenantId, "C-2",
            new ContactDetails("Bob", null, null, null), null, Vulnerability.None, Registered);

        var changed = consumer.UpdateContactDetails(null, "bob@example.com", "123", Address, null, Later);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(changed, Is.EqualTo(new[] { "email", "phone", "address" }));
            Assert.That(consumer.Contact.Address, Is.SameAs(Address));
        }
    }

    [Test]
    public void UpdateContactDetails_detects_a_change_of_consent_alone()
    {
        var consumer = Register();

        var changed = consumer.UpdateContactDetails(null, null, null, null,
            new Vulnerability(new HashSet<VulnerabilityDriver> { VulnerabilityDriver.Health }, false), Later);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(changed, Is.EqualTo(new[] { "vulnerability" }));
            Assert.That(consumer.Vulnerability.ConsentRecorded, Is.False);
        }
    }

    [Test]
    public void Restore_keeps_every_field_as_stored()
    {
        var contact = new ContactDetails(" Raw ", "RAW@X", null, null);
        var consumer = Consumer.Restore(Guid.Empty, TestComplaints.TenantId, " ref ", contact, null, Vulnerability.None, true,
            Registered, Later, 5);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(consumer.Contact, Is.SameAs(contact));
            Assert.That(consumer.ExternalRef, Is.EqualTo(" ref "));
            Assert.That(consumer.LegalHold, Is.True);
            Assert.That(consumer.UpdatedAt, Is.EqualTo(Later));
            Assert.That(consumer.Version, Is.EqualTo(5));
        }
    }

    [Test]
    public void Erase_removes_every_personal_field_and_records_when()
    {
        var consumer = Register();

        var result = consumer.Erase(Later);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.IsSuccess, Is.True);
            Assert.That(consumer.IsErased, Is.True);
            Assert.That(consumer.ErasedAt, Is.EqualTo(Later));
            Assert.That(consumer.ExternalRef, Is.Empty);
            Assert.That(consumer.Contact, Is.EqualTo(Consumer.ErasedContact));
            Assert.That(consumer.DateOfBirth, Is.Null);
            Assert.That(consumer.Vulnerability.Drivers, Is.Empty);
            Assert.That(consumer.Vulnerability.ConsentRecorded, Is.False);
            Assert.That(consumer.UpdatedAt, Is.EqualTo(Later));
            Assert.That(consumer.Version, Is.EqualTo(2));
        }
    }

    [Test]
    public void Erase_twice_is_a_conflict_and_changes_nothing()
    {
        var consumer = Register();
        consumer.Erase(Later);

        var again = consumer.Erase(Later.AddDays(1));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(again.IsSuccess, Is.False);
            Assert.That(again.Error!.Code, Is.EqualTo("consumer.already_erased"));
            Assert.That(again.Error.Kind, Is.EqualTo(Cms.Domain.Common.ErrorKind.Conflict));
            Assert.That(consumer.ErasedAt, Is.EqualTo(Later));
            Assert.That(consumer.Version, Is.EqualTo(2));
        }
    }

    [Test]
    public void Erase_under_legal_hold_is_a_conflict_and_keeps_the_data()
    {
        var consumer = Register();
        Assert.That(consumer.SetLegalHold(true, Later), Is.True);

        var result = consumer.Erase(Later);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.IsSuccess, Is.False);
            Assert.That(result.Error!.Code, Is.EqualTo("consumer.legal_hold"));
            Assert.That(consumer.IsErased, Is.False);
            Assert.That(consumer.Contact.FullName, Is.EqualTo("Ann Smith"));
            Assert.That(consumer.ExternalRef, Is.EqualTo("C-0001"));
        }
    }

    [Test]
    public void Lifting_the_legal_hold_allows_erasure()
    {
        var consumer = Register();
        consumer.SetLegalHold(true, Later);
        Assert.That(consumer.SetLegalHold(false, Later), Is.True);

        Assert.That(consumer.Erase(Later).IsSuccess, Is.True);
    }

    [Test]
    public void Setting_the_legal_hold_bumps_the_version_only_when_it_changes()
    {
        var consumer = Register();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(consumer.SetLegalHold(false, Later), Is.False);
            Assert.That(consumer.Version, Is.EqualTo(1));
            Assert.That(consumer.SetLegalHold(true, Later), Is.True);
            Assert.That(consumer.LegalHold, Is.True);
            Assert.That(consumer.Version, Is.EqualTo(2));
            Assert.That(consumer.UpdatedAt, Is.EqualTo(Later));
        }
    }

    [Test]
    public void An_erased_consumer_cannot_be_updated()
    {
        var consumer = Register();
        consumer.Erase(Later);

        Assert.Throws<InvalidOperationException>(() => consumer.UpdateContactDetails("New Name", null, null, null, null, Later));
    }

    [Test]
    public void Restore_keeps_the_erasure_instant()
    {
        var consumer = Consumer.Restore(Guid.Empty, TestComplaints.TenantId, "", Consumer.ErasedContact, null, Vulnerability.None, false,
            Registered, Later, 3, Later);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(consumer.IsErased, Is.True);
            Assert.That(consumer.ErasedAt, Is.EqualTo(Later));
        }
    }

    private static void AssertUnchanged(Consumer consumer, IReadOnlyList<string> changed)
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(changed, Is.Empty);
            Assert.That(consumer.Version, Is.EqualTo(1));
            Assert.That(consumer.UpdatedAt, Is.EqualTo(Registered));
        }
    }
}
