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
        Vulnerability vulnerability, bool legalHold, DateTimeOffset createdAt, DateTimeOffset updatedAt, long version,
        DateTimeOffset? erasedAt)
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
        ErasedAt = erasedAt;
    }

    public Guid Id { get; }
    public Guid TenantId { get; }
    public string ExternalRef { get; private set; }
    public ContactDetails Contact { get; private set; }
    public DateOnly? DateOfBirth { get; private set; }
    public Vulnerability Vulnerability { get; private set; }
    public bool LegalHold { get; private set; }

    /// <summary>When the consumer's personal data was erased; null while it is held. An erased consumer keeps only its
    /// id, tenant and timestamps (complaints keep referring to it for statistics).</summary>
    public DateTimeOffset? ErasedAt { get; private set; }

    public bool IsErased => ErasedAt is not null;
    public DateTimeOffset CreatedAt { get; }
    public DateTimeOffset UpdatedAt { get; private set; }
    public long Version { get; private set; }

    public static Consumer Register(Guid id, Guid tenantId, string externalRef, ContactDetails contact, DateOnly? dateOfBirth,
        Vulnerability vulnerability, DateTimeOffset now) =>
        new(id, tenantId, externalRef.Trim(), Normalise(contact), dateOfBirth, vulnerability, false, now, now, 1, null);

    public static Consumer Restore(Guid id, Guid tenantId, string externalRef, ContactDetails contact, DateOnly? dateOfBirth,
        Vulnerability vulnerability, bool legalHold, DateTimeOffset createdAt, DateTimeOffset updatedAt, long version,
        DateTimeOffset? erasedAt = null) =>
        new(id, tenantId, externalRef, contact, dateOfBirth, vulnerability, legalHold, createdAt, updatedAt, version, erasedAt);

    /// <summary>The contact details an erased consumer shows: nothing personal is left.</summary>
    public static readonly ContactDetails ErasedContact = new("", null, null, null);

    /// <summary>
    /// Erases the personal data (security.md 12): refused under a legal hold and when already erased. The caller destroys
    /// the consumer's data key, so any copy of the ciphertext (backups included) becomes unreadable.
    /// </summary>
    public Result Erase(DateTimeOffset now)
    {
        if (IsErased)
        {
            return Error.Conflict("consumer.already_erased", "The consumer's personal data is already erased.");
        }

        if (LegalHold)
        {
            return Error.Conflict("consumer.legal_hold", "The consumer is under a legal hold; its personal data cannot be erased.");
        }

        ExternalRef = "";
        Contact = ErasedContact;
        DateOfBirth = null;
        Vulnerability = Vulnerability.None;
        ErasedAt = now;
        UpdatedAt = now;
        Version++;
        return Result.Success();
    }

    /// <summary>Sets or lifts the legal hold; returns whether it changed.</summary>
    public bool SetLegalHold(bool onHold, DateTimeOffset now)
    {
        if (LegalHold == onHold)
        {
            return false;
        }

        LegalHold = onHold;
        UpdatedAt = now;
        Version++;
        return true;
    }

    /// <summary>Applies the given changes (null = unchanged) and returns the names of the fields that changed.</summary>
    public IReadOnlyList<string> UpdateContactDetails(string? fullName, string? email, string? phone, PostalAddress? address,
        Vulnerability? vulnerability, DateTimeOffset now)
    {
        if (IsErased)
        {
            throw new InvalidOperationException("An erased consumer cannot be updated.");
        }

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
