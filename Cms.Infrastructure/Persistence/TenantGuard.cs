using Cms.Application.Abstractions;

namespace Cms.Infrastructure.Persistence;

internal static class TenantGuard
{
    public static Guid Check(TenantScope scope, Guid entityTenantId)
    {
        var tenantId = scope.Required;
        if (entityTenantId != tenantId)
        {
            throw new InvalidOperationException("An entity of another tenant cannot be written in this request.");
        }

        return tenantId;
    }
}
