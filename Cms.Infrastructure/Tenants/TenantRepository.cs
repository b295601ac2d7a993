using Cms.Application.Abstractions;
using Cms.Domain.Common;
using Cms.Domain.Tenants;
using Cms.Infrastructure.Persistence;

namespace Cms.Infrastructure.Tenants;

internal sealed class TenantRepository(DbSession db) : ITenantRepository
{
    public Task AddAsync(Tenant tenant, CancellationToken cancellationToken) =>
        db.ExecuteAsync(
            $"INSERT INTO tenants ({TenantRow.Columns}) VALUES (@Id, @Name, @Sector, @Jurisdiction, @Status, @CreatedAt, @StatusReason, @StatusChangedAt)",
            TenantRow.Parameters(tenant), cancellationToken);

    /// <summary>A platform operator's status change; compare-and-set on the status read, so of two racing operators one wins.</summary>
    public async Task<bool> UpdateStatusAsync(Tenant tenant, TenantStatus expected, CancellationToken cancellationToken) =>
        await db.ExecuteAsync(
            """
            UPDATE tenants SET status = @Status, status_reason = @StatusReason, status_changed_at = @StatusChangedAt
            WHERE id = @Id AND status = @Expected
            """,
            new { tenant.Id, Status = tenant.Status.ToWire(), tenant.StatusReason, tenant.StatusChangedAt, Expected = expected.ToWire() },
            cancellationToken) == 1;

    public async Task<Tenant?> GetAsync(Guid id, CancellationToken cancellationToken) =>
        (await db.QuerySingleOrDefaultAsync<TenantRow>($"SELECT {TenantRow.Columns} FROM tenants WHERE id = @Id", new { Id = id },
            cancellationToken))?.ToDomain();
}
