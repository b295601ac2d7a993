using Cms.Domain.Common;

namespace Cms.Domain.Consumers;

/// <summary>FCA FG21/1 drivers of vulnerability.</summary>
public enum VulnerabilityDriver
{
    Health,
    LifeEvent,
    Resilience,
    Capability,
}

public sealed record PostalAddress(IReadOnlyList<string> Lines, string? City, string? Postcode, string Country);

public sealed record Vulnerability(IReadOnlySet<VulnerabilityDriver> Drivers, bool ConsentRecorded)
{
    public static readonly Vulnerability None = new(new HashSet<VulnerabilityDriver>(), false);
}

/// <summary>Contact details of a consumer; every field is personal data.</summary>
public sealed record ContactDetails(string FullName, string? Email, string? Phone, PostalAddress? Address);

/// <summary>A complainant. Belongs to one tenant; never merged across tenants. Every personal field stays out of logs and traces.</summary>
public sealed class Consumer
{
    private Consumer(Guid id, Guid tenantId, string externalRef, ContactDetails contact, DateOnly? dateOfBirth,
        Vulnerability vulnerability, bool legalHold, DateTimeOffset createdAt, DateTimeOffset updatedAt, long version)
    {
        Id = id;
        TenantId = tenantId;
        ExternalRef = externalRef;
        Contact = contact;
        DateOfBirth = dateOfBirth;
        Vulnerability = vulnerability;
        LegalHold = legalHold;
        CreatedAt = createdAt;
        UpdatedAt = updatedAt;
        Version = version;
    }

    public Guid Id { get; }
    public Guid TenantId { get; }
    public string ExternalRef { get; }
    public ContactDetails Contact { get; private set; }
    public DateOnly? DateOfBirth { get; }
    public Vulnerability Vulnerability { get; private set; }
    public bool LegalHold { get; }
    public DateTimeOffset CreatedAt { get; }
    public DateTimeOffset UpdatedAt { get; private set; }
    public long Version { get; private set; }

    public static Consumer Register(Guid id, Guid tenantId, string externalRef, ContactDetails contact, DateOnly? dateOfBirth,
        Vulnerability vulnerability, DateTimeOffset now) =>
        new(id, tenantId, externalRef.Trim(), Normalise(contact), dateOfBirth, vulnerability, false, now, now, 1);

    public static Consumer Restore(Guid id, Guid tenantId, string externalRef, ContactDetails contact, DateOnly? dateOfBirth,
        Vulnerability vulnerability, bool legalHold, DateTimeOffset createdAt, DateTimeOffset updatedAt, long version) =>
        new(id, tenantId, externalRef, contact, dateOfBirth, vulnerability, legalHold, createdAt, updatedAt, version);

    /// <summary>Applies the given changes (null = unchanged) and returns the names of the fields that changed.</summary>
    public IReadOnlyList<string> UpdateContactDetails(string? fullName, string? email, string? phone, PostalAddress? address,
        Vulnerability? vulnerability, DateTimeOffset now)
    {
        var changed = new List<string>();
        var next = Contact;
        if (fullName is not null && fullName.Trim() != next.FullName)
        {
            next = next with { FullName = fullName.Trim() };
            changed.Add("fullName");
        }

        if (email is not null && Text.NormaliseEmail(email) != next.Email)
        {
            next = next with { Email = Text.NormaliseEmail(email) };
            changed.Add("email");
        }

        if (phone is not null && phone.Trim() != next.Phone)
        {
            next = next with { Phone = phone.Trim() };
            changed.Add("phone");
        }

        if (address is not null && !SameAddress(address, next.Address))
        {
            next = next with { Address = address };
            changed.Add("address");
        }

        if (vulnerability is not null && !(vulnerability.ConsentRecorded == Vulnerability.ConsentRecorded
                                            && vulnerability.Drivers.SetEquals(Vulnerability.Drivers)))
        {
            Vulnerability = vulnerability;
            changed.Add("vulnerability");
        }

        if (changed.Count > 0)
        {
            Contact = next;
            UpdatedAt = now;
            Version++;
        }

        return changed;
    }

    private static bool SameAddress(PostalAddress a, PostalAddress? b) =>
        b is not null && a.Lines.SequenceEqual(b.Lines) && a.City == b.City && a.Postcode == b.Postcode && a.Country == b.Country;

    private static ContactDetails Normalise(ContactDetails c) =>
        new(c.FullName.Trim(), c.Email is null ? null : Text.NormaliseEmail(c.Email), c.Phone?.Trim(), c.Address);
}
