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
    private Tenant(Guid id, string name, Sector sector, Jurisdiction jurisdiction, TenantStatus status, DateTimeOffset createdAt,
        string? statusReason = null, DateTimeOffset? statusChangedAt = null)
    {
        Id = id;
        Name = name;
        Sector = sector;
        Jurisdiction = jurisdiction;
        Status = status;
        CreatedAt = createdAt;
        StatusReason = statusReason;
        StatusChangedAt = statusChangedAt;
    }

    /// <summary>Longest reason a platform operator may give for a suspension or reactivation.</summary>
    public const int MaxStatusReasonLength = 500;

    public Guid Id { get; }
    public string Name { get; }
    public Sector Sector { get; }
    public Jurisdiction Jurisdiction { get; }
    public TenantStatus Status { get; private set; }
    public DateTimeOffset CreatedAt { get; }

    /// <summary>The platform operator's reason for the last suspension or reactivation (null before either).</summary>
    public string? StatusReason { get; private set; }

    public DateTimeOffset? StatusChangedAt { get; private set; }

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

    public static Tenant Restore(Guid id, string name, Sector sector, Jurisdiction jurisdiction, TenantStatus status, DateTimeOffset createdAt,
        string? statusReason = null, DateTimeOffset? statusChangedAt = null) =>
        new(id, name, sector, jurisdiction, status, createdAt, statusReason, statusChangedAt);

    /// <summary>
    /// Suspends the tenant (domain.md: platform operators suspend tenants): its principals are refused, its webhooks and
    /// scheduled work pause; nothing is deleted. Suspending a suspended tenant is a conflict, so a second operator's
    /// reason never silently replaces the first.
    /// </summary>
    public Result<Tenant> Suspend(string reason, DateTimeOffset now) => ChangeStatus(TenantStatus.Suspended, reason, now);

    /// <summary>Ends a suspension; the tenant's principals are served again from their next request.</summary>
    public Result<Tenant> Reactivate(string reason, DateTimeOffset now) => ChangeStatus(TenantStatus.Active, reason, now);

    private Result<Tenant> ChangeStatus(TenantStatus to, string reason, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(reason) || reason.Trim().Length > MaxStatusReasonLength)
        {
            return Error.Validation("reason", $"A reason is required, at most {MaxStatusReasonLength} characters.");
        }

        if (Status == to)
        {
            return Error.Conflict($"tenant.already_{to.ToWire()}", $"The tenant is already {to.ToWire()}.");
        }

        Status = to;
        StatusReason = reason.Trim();
        StatusChangedAt = now;
        return this;
    }
}
