using Cms.Domain.Tenants;

namespace Cms.Application.Tenants;

/// <summary>What a platform operator sees of a tenant: no tenant data.</summary>
public sealed record TenantDto(Guid Id, string Name, Sector Sector, Jurisdiction Jurisdiction, TenantStatus Status,
    string RegulatoryProfile, DateTimeOffset CreatedAt, string? StatusReason = null, DateTimeOffset? StatusChangedAt = null)
{
    public static TenantDto From(Tenant t) =>
        new(t.Id, t.Name, t.Sector, t.Jurisdiction, t.Status, t.Profile.Code, t.CreatedAt, t.StatusReason, t.StatusChangedAt);
}
