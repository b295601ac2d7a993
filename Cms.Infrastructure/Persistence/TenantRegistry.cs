using Cms.Domain.Common;
using Cms.Domain.Tenants;

namespace Cms.Infrastructure.Persistence;

/// <summary>
/// What background work reads of the tenant registry: the tenants it may work for. A suspended tenant's webhooks and
/// scheduled jobs pause (issue 22), so every pass that walks the tenants starts from this one query.
/// </summary>
public static class TenantRegistry
{
    public const string ActiveTenantIdsSql = "SELECT id FROM tenants WHERE status = @Active ORDER BY id";

    public static readonly object ActiveTenantIdsParameters = new { Active = TenantStatus.Active.ToWire() };
}
