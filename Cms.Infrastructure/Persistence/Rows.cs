using System.Text.Json;
using Cms.Application.Consumers;
using Cms.Domain.Common;
using Cms.Domain.Consumers;
using Cms.Domain.Staff;
using Cms.Domain.Tenants;

namespace Cms.Infrastructure.Persistence;

// Rows as the tables hold them (enums as lower_snake_case text, structured values as JSON text), and their one
// conversion each way. Shared by the repositories (write side) and the query services (read side).

internal static class StoredJson
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

    public static T Deserialize<T>(string json) => JsonSerializer.Deserialize<T>(json, Options)
        ?? throw new JsonException($"A stored {typeof(T).Name} is null.");
}

internal sealed class TenantRow
{
    public Guid Id { get; init; }
    public string Name { get; init; } = "";
    public string Sector { get; init; } = "";
    public string Jurisdiction { get; init; } = "";
    public string Status { get; init; } = "";
    public DateTimeOffset CreatedAt { get; init; }

    public const string Columns = "id, name, sector, jurisdiction, status, created_at";

    public Tenant ToDomain() => Tenant.Restore(Id, Name, WireNames.Parse<Sector>(Sector), WireNames.Parse<Jurisdiction>(Jurisdiction),
        WireNames.Parse<TenantStatus>(Status), CreatedAt);

    public static object Parameters(Tenant t) => new
    {
        t.Id,
        t.Name,
        Sector = t.Sector.ToWire(),
        Jurisdiction = t.Jurisdiction.ToWire(),
        Status = t.Status.ToWire(),
        t.CreatedAt,
    };
}

internal sealed class StaffRow
{
    public Guid TenantId { get; init; }
    public Guid Id { get; init; }
    public string Subject { get; init; } = "";
    public string Email { get; init; } = "";
    public string DisplayName { get; init; } = "";
    public string Kind { get; init; } = "";
    public string Roles { get; init; } = "";
    public bool IsActive { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public long Version { get; init; }

    public const string Columns = "tenant_id, id, subject, email, display_name, kind, roles, is_active, created_at, version";

    public StaffMember ToDomain() => StaffMember.Restore(Id, TenantId, Subject, Email, DisplayName, WireNames.Parse<StaffKind>(Kind),
        ParseRoles(Roles), IsActive, CreatedAt, Version);

    public static string FormatRoles(IEnumerable<Role> roles) => string.Join(',', roles.Order().Select(r => r.ToWire()));

    private static HashSet<Role> ParseRoles(string roles) =>
        roles.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(WireNames.Parse<Role>).ToHashSet();
}

internal sealed record StoredAddress(IReadOnlyList<string> Lines, string? City, string? Postcode, string Country);

internal sealed record StoredVulnerability(IReadOnlyList<string> Drivers, bool Consent);

internal sealed class ConsumerRow
{
    public Guid TenantId { get; init; }
    public Guid Id { get; init; }
    public string ExternalRef { get; init; } = "";
    public string FullName { get; init; } = "";
    public string? Email { get; init; }
    public string? Phone { get; init; }
    public string? Address { get; init; }
    public DateOnly? DateOfBirth { get; init; }
    public string? Vulnerability { get; init; }
    public bool LegalHold { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
    public long Version { get; init; }

    public const string Columns =
        "tenant_id, id, external_ref, full_name, email, phone, address, date_of_birth, vulnerability, legal_hold, created_at, updated_at, version";

    public Consumer ToDomain() => Consumer.Restore(Id, TenantId, ExternalRef,
        new ContactDetails(FullName, Email, Phone, AddressValue() is { } a ? new PostalAddress(a.Lines, a.City, a.Postcode, a.Country) : null),
        DateOfBirth, VulnerabilityValue(), LegalHold, CreatedAt, UpdatedAt, Version);

    public ConsumerDto ToDto()
    {
        var vulnerability = VulnerabilityValue();
        return new ConsumerDto(Id, ExternalRef, FullName, Email, Phone,
            AddressValue() is { } a ? new AddressDto(a.Lines, a.City, a.Postcode, a.Country) : null,
            DateOfBirth, new VulnerabilityDto([.. vulnerability.Drivers.Order()], vulnerability.ConsentRecorded),
            LegalHold, CreatedAt, UpdatedAt, Version);
    }

    public static object Parameters(Consumer c) => new
    {
        c.TenantId,
        c.Id,
        c.ExternalRef,
        c.Contact.FullName,
        c.Contact.Email,
        c.Contact.Phone,
        Address = c.Contact.Address is { } a ? StoredJson.Serialize(new StoredAddress(a.Lines, a.City, a.Postcode, a.Country)) : null,
        c.DateOfBirth,
        Vulnerability = StoredJson.Serialize(new StoredVulnerability(
            [.. c.Vulnerability.Drivers.Order().Select(d => d.ToWire())], c.Vulnerability.ConsentRecorded)),
        c.LegalHold,
        c.CreatedAt,
        c.UpdatedAt,
        c.Version,
    };

    private StoredAddress? AddressValue() => Address is null ? null : StoredJson.Deserialize<StoredAddress>(Address);

    private Vulnerability VulnerabilityValue()
    {
        if (Vulnerability is null)
        {
            return Domain.Consumers.Vulnerability.None;
        }

        var stored = StoredJson.Deserialize<StoredVulnerability>(Vulnerability);
        return new Vulnerability(stored.Drivers.Select(WireNames.Parse<VulnerabilityDriver>).ToHashSet(), stored.Consent);
    }
}
