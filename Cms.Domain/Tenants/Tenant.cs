using Cms.Domain.Common;
using Cms.Domain.Regulation;

namespace Cms.Domain.Tenants;

public enum Sector
{
    Banking,
    Telecom,
    Airline,
}

public enum Jurisdiction
{
    // Two-letter codes travel in upper case (api: "UK"); see TenantWire.
    UK,
    EU,
    US,
}

public enum TenantStatus
{
    Active,
    Suspended,
}

/// <summary>An organisation using the service. Holds no personal data.</summary>
public sealed class Tenant
{
    private Tenant(Guid id, string name, Sector sector, Jurisdiction jurisdiction, TenantStatus status, DateTimeOffset createdAt)
    {
        Id = id;
        Name = name;
        Sector = sector;
        Jurisdiction = jurisdiction;
        Status = status;
        CreatedAt = createdAt;
    }

    public Guid Id { get; }
    public string Name { get; }
    public Sector Sector { get; }
    public Jurisdiction Jurisdiction { get; }
    public TenantStatus Status { get; private set; }
    public DateTimeOffset CreatedAt { get; }

    public RegulatoryProfile Profile => RegulatoryProfiles.For(Sector, Jurisdiction)
        ?? throw new InvalidOperationException("A tenant exists only with a regulatory profile.");

    public static Result<Tenant> Create(Guid id, string name, Sector sector, Jurisdiction jurisdiction, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Trim().Length > Limits.Name)
        {
            return Error.Validation("name", $"The name is required and at most {Limits.Name} characters.");
        }

        if (RegulatoryProfiles.For(sector, jurisdiction) is null)
        {
            return Error.Validation("jurisdiction",
                $"No regulatory profile is defined for the {sector.ToWire()} sector in jurisdiction {jurisdiction}; " +
                $"supported: {string.Join(", ", RegulatoryProfiles.All.Select(p => $"{p.Sector.ToWire()}/{p.Jurisdiction}"))}.");
        }

        return new Tenant(id, name.Trim(), sector, jurisdiction, TenantStatus.Active, now);
    }

    public static Tenant Restore(Guid id, string name, Sector sector, Jurisdiction jurisdiction, TenantStatus status, DateTimeOffset createdAt) =>
        new(id, name, sector, jurisdiction, status, createdAt);
}
