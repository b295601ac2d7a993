using Cms.Application.Consumers;
using Cms.Domain.Common;
using Cms.Domain.Consumers;
using Cms.Infrastructure.Persistence;

namespace Cms.Infrastructure.Consumers;

internal sealed record StoredAddress(IReadOnlyList<string> Lines, string? City, string? Postcode, string Country);

internal sealed record StoredVulnerability(IReadOnlyList<string> Drivers, bool Consent);

/// <summary>
/// A consumers row as stored: every personal field is ciphertext (<see cref="Crypto.ConsumerKeyring"/>), the exact-match
/// lookups go through blind indexes, and the consumer's wrapped data key comes along from consumer_keys when read (null
/// once erased). What the sealer writes and what a read returns: the one shape of the table.
/// </summary>
internal sealed class ConsumerRow
{
    public Guid TenantId { get; init; }
    public Guid Id { get; init; }
    public string? ExternalRef { get; init; }
    public string? ExternalRefBidx { get; init; }
    public string? FullName { get; init; }
    public string? Email { get; init; }
    public string? EmailBidx { get; init; }
    public string? Phone { get; init; }
    public string? PhoneBidx { get; init; }
    public string? Address { get; init; }
    public string? DateOfBirth { get; init; }
    public string? Vulnerability { get; init; }

    /// <summary>The seven personal fields sealed together (ADR 0024); the seven columns above are NULL where it is set
    /// and hold the rows sealed before it, one value a column.</summary>
    public string? SealedFields { get; init; }
    public bool LegalHold { get; init; }
    public DateTimeOffset? ErasedAt { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
    public long Version { get; init; }
    public string? WrappedKey { get; init; }

    public static readonly ColumnMap Map = new("consumers",
        keys: ["tenant_id", "id"],
        setOnce: ["created_at"],
        mutable:
        [
            "external_ref", "external_ref_bidx", "full_name", "email", "email_bidx", "phone", "phone_bidx", "address",
            "date_of_birth", "vulnerability", "sealed_fields", "legal_hold", "erased_at", "updated_at", "version",
        ]);

    /// <summary>The select list and join for reading consumers (alias c) with their wrapped data key (alias k).</summary>
    public static readonly string SelectFrom =
        $"""
        SELECT {Map.ColumnsOf("c")}, k.wrapped_key
        FROM consumers c LEFT JOIN consumer_keys k ON k.tenant_id = c.tenant_id AND k.consumer_id = c.id
        """;
}

/// <summary>A consumer's fields in plaintext, between the row (ciphertext) and the domain or DTO.</summary>
internal sealed record ConsumerPlain(
    ConsumerRow Row,
    string? ExternalRef,
    string? FullName,
    string? Email,
    string? Phone,
    string? Address,
    string? DateOfBirth,
    string? Vulnerability)
{
    public Consumer ToDomain()
    {
        if (Row.ErasedAt is not null)
        {
            return Consumer.Restore(Row.Id, Row.TenantId, "", Consumer.ErasedContact, null, Domain.Consumers.Vulnerability.None,
                Row.LegalHold, Row.CreatedAt, Row.UpdatedAt, Row.Version, Row.ErasedAt);
        }

        return Consumer.Restore(Row.Id, Row.TenantId, ExternalRef ?? "",
            new ContactDetails(FullName ?? "", Email, Phone, AddressValue() is { } a ? new PostalAddress(a.Lines, a.City, a.Postcode, a.Country) : null),
            DateOfBirthValue(), VulnerabilityValue(), Row.LegalHold, Row.CreatedAt, Row.UpdatedAt, Row.Version);
    }

    public ConsumerDto ToDto()
    {
        if (Row.ErasedAt is not null)
        {
            return new ConsumerDto(Row.Id, null, null, null, null, null, null, null, Row.LegalHold, Row.CreatedAt, Row.UpdatedAt,
                Row.Version, Row.ErasedAt);
        }

        var vulnerability = VulnerabilityValue();
        return new ConsumerDto(Row.Id, ExternalRef, FullName, Email, Phone,
            AddressValue() is { } a ? new AddressDto(a.Lines, a.City, a.Postcode, a.Country) : null,
            DateOfBirthValue(), new VulnerabilityDto([.. vulnerability.Drivers.Order()], vulnerability.ConsentRecorded),
            Row.LegalHold, Row.CreatedAt, Row.UpdatedAt, Row.Version);
    }

    public static string? FormatAddress(PostalAddress? address) =>
        address is { } a ? StoredJson.Serialize(new StoredAddress(a.Lines, a.City, a.Postcode, a.Country)) : null;

    public static string FormatVulnerability(Vulnerability v)
    {
        // Four drivers and consent: 32 possible values, each serialised once (the bulk import formats one per consumer).
        var mask = v.ConsentRecorded ? 1 : 0;
        foreach (var driver in v.Drivers)
        {
            mask |= 2 << (int)driver;
        }

        string Format() => StoredJson.Serialize(new StoredVulnerability([.. v.Drivers.Order().Select(d => d.ToWire())], v.ConsentRecorded));
        return (uint)mask < (uint)FormattedVulnerabilities.Length ? FormattedVulnerabilities[mask] ??= Format() : Format();
    }

    private static readonly string?[] FormattedVulnerabilities = new string?[2 << Enum.GetValues<VulnerabilityDriver>().Length];

    public static string? FormatDateOfBirth(DateOnly? dateOfBirth) =>
        dateOfBirth?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    private DateOnly? DateOfBirthValue() =>
        DateOfBirth is null ? null : DateOnly.ParseExact(DateOfBirth, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

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
