using Cms.Domain.Taxonomies;

namespace Cms.Domain.Reports;

/// <summary>
/// The nature-of-complaint categories of the US DOT annual report of disability-related complaints (14 CFR 382.157(d)),
/// built-in version 0 of the taxonomy kind dot_category; a tenant maps its own complaint categories onto them and may
/// publish its own versions. docs/regulatory-returns.md names the assumptions.
/// </summary>
public static class DotReference
{
    public static IReadOnlyList<TaxonomyEntry> Categories { get; } =
    [
        new("assistance_failure", "Failure to provide adequate or timely assistance"),
        new("seating", "Seating accommodation"),
        new("assistive_device_damaged", "Damage to or loss of an assistive device"),
        new("assistive_device_storage", "Storage and delivery of assistive devices"),
        new("service_animal", "Service animals"),
        new("refusal_to_board", "Refusal to board or unnecessary restrictions"),
        new("information", "Unsatisfactory or unavailable information"),
        new("aircraft_accessibility", "Aircraft or facility accessibility"),
        new("security_screening", "Security screening"),
        new("other", "Other"),
    ];
}
