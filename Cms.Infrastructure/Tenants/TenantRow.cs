using Cms.Domain.Common;
using Cms.Infrastructure.Persistence;
using Cms.Domain.Tenants;

namespace Cms.Infrastructure.Tenants;

internal sealed class TenantRow
{
    public Guid Id { get; init; }
    public string Name { get; init; } = "";
    public string Sector { get; init; } = "";
    public string Jurisdiction { get; init; } = "";
    public string Status { get; init; } = "";
    public DateTimeOffset CreatedAt { get; init; }
    public string? StatusReason { get; init; }
    public DateTimeOffset? StatusChangedAt { get; init; }

    /// <summary>The tenant registry (no tenant_id: it is the list of tenants). Only the status changes.</summary>
    public static readonly ColumnMap Map = new("tenants", keys: ["id"], setOnce: ["name", "sector", "jurisdiction", "created_at"],
        mutable: ["status", "status_reason", "status_changed_at"]);

    public Tenant ToDomain() => Tenant.Restore(Id, Name, WireNames.Parse<Sector>(Sector), WireNames.Parse<Jurisdiction>(Jurisdiction),
        WireNames.Parse<TenantStatus>(Status), CreatedAt, StatusReason, StatusChangedAt);

    public static object Parameters(Tenant t) => new
    {
        t.Id,
        t.Name,
        Sector = t.Sector.ToWire(),
        Jurisdiction = t.Jurisdiction.ToWire(),
        Status = t.Status.ToWire(),
        t.CreatedAt,
        t.StatusReason,
        t.StatusChangedAt,
    };
}
