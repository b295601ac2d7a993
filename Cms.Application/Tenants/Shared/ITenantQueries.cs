using Cms.Application.Common;

namespace Cms.Application.Tenants;

// Read-side ports: SQL straight into DTOs, always within the tenant in scope, keyset-paged
// (limit rows after the cursor key; implementations fetch limit + 1 to know whether a next page exists).

public interface ITenantQueries
{
    Task<TenantDto?> GetAsync(Guid id, CancellationToken cancellationToken);

    Task<Page<TenantDto>> ListAsync(string? name, int limit, CursorKey? after, CancellationToken cancellationToken);
}
