using Cms.Application.Common;
using Cms.Domain.Common;
using Cms.Domain.Consumers;

namespace Cms.Application.Consumers;

/// <summary>Checks and conversions shared by registering and updating a consumer.</summary>
internal static class ConsumerInput
{
    public static void CheckAddress(AddressDto? address, ValidationErrors errors)
    {
        if (address is null)
        {
            return;
        }

        if (address.Lines is null || address.Lines.Count is 0 or > 4 || address.Lines.Any(l => string.IsNullOrWhiteSpace(l) || l.Length > Limits.AddressLine))
        {
            errors.Add("address.lines", $"'address.lines' needs 1 to 4 non-blank lines of at most {Limits.AddressLine} characters.");
        }

        errors.Optional("address.city", address.City, Limits.Name);
        errors.Optional("address.postcode", address.Postcode, Limits.Postcode);
        if (address.Country is null || address.Country.Length != Limits.CountryCode || !address.Country.All(char.IsAsciiLetterUpper))
        {
            errors.Add("address.country", "'address.country' must be an ISO 3166-1 alpha-2 code in upper case, e.g. GB.");
        }
    }

    public static void CheckVulnerability(VulnerabilityDto? vulnerability, ValidationErrors errors)
    {
        if (vulnerability?.Drivers is { } drivers && drivers.Any(d => !Enum.IsDefined(d)))
        {
            errors.Add("vulnerability.drivers", $"'vulnerability.drivers' may contain only: {string.Join(", ", WireNames.All<VulnerabilityDriver>())}.");
        }
    }

    public static PostalAddress? ToDomain(AddressDto? a) =>
        a is null ? null : new PostalAddress([.. a.Lines.Select(l => l.Trim())], a.City?.Trim(), a.Postcode?.Trim(), a.Country);

    public static Vulnerability? ToDomain(VulnerabilityDto? v) =>
        v is null ? null : new Vulnerability((v.Drivers ?? []).ToHashSet(), v.ConsentRecorded);
}
