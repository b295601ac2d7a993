using System.Security.Cryptography;
using Cms.Application.Abstractions;
using Cms.Application.Audit;
using Cms.Application.Calendar;
using Cms.Domain.Audit;
using Cms.Domain.Common;
using Cms.Domain.Complaints;
using Cms.Domain.Consumers;
using Cms.Domain.Queues;
using Cms.Domain.Regulation;
using Cms.Domain.Staff;
using Cms.Domain.Taxonomies;
using Cms.Domain.Tenants;
using Cms.Infrastructure.Crypto;
using Cms.Infrastructure.Persistence;

namespace Cms.Infrastructure.Tenants;

internal sealed class TenantRepository(DbSession db) : ITenantRepository
{
    public Task AddAsync(Tenant tenant, CancellationToken cancellationToken) =>
        db.ExecuteAsync(
            "INSERT INTO tenants (id, name, sector, jurisdiction, status, created_at) VALUES (@Id, @Name, @Sector, @Jurisdiction, @Status, @CreatedAt)",
            TenantRow.Parameters(tenant), cancellationToken);

    public async Task<Tenant?> GetAsync(Guid id, CancellationToken cancellationToken) =>
        (await db.QuerySingleOrDefaultAsync<TenantRow>($"SELECT {TenantRow.Columns} FROM tenants WHERE id = @Id", new { Id = id },
            cancellationToken))?.ToDomain();
}
