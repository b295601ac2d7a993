using System.Collections.Concurrent;
using Cms.Application.Abstractions;
using Cms.Domain.Common;
using Cms.Domain.Regulation;
using Cms.Domain.Tenants;
using Cms.Infrastructure.Persistence;

namespace Cms.Infrastructure.Tenants;

internal sealed class TenantRepository(DbSession db) : ITenantRepository
{
    // A tenant's sector and jurisdiction are set once (TenantRow.Map), so its profile is kept in the process once read.
    private static readonly ConcurrentDictionary<Guid, RegulatoryProfile> Profiles = new();

    public Task AddAsync(Tenant tenant, CancellationToken cancellationToken) =>
        db.ExecuteAsync(
            TenantRow.Map.Insert, TenantRow.Parameters(tenant), cancellationToken);

    /// <summary>A platform operator's status change; compare-and-set on the status read, so of two racing operators one wins.</summary>
    public async Task<bool> UpdateStatusAsync(Tenant tenant, TenantStatus expected, CancellationToken cancellationToken) =>
        await db.ExecuteAsync(
            $"UPDATE tenants SET {TenantRow.Map.UpdateSet} WHERE {TenantRow.Map.KeyEquals} AND status = @Expected",
            new DynamicParametersBuilder(TenantRow.Parameters(tenant)).With("Expected", expected.ToWire()).Build(),
            cancellationToken) == 1;

    public async Task<Tenant?> GetAsync(Guid id, CancellationToken cancellationToken) =>
        (await db.QuerySingleOrDefaultAsync<TenantRow>($"SELECT {TenantRow.Map.Columns} FROM tenants WHERE id = @Id", new { Id = id },
            cancellationToken))?.ToDomain();

    public async Task<RegulatoryProfile?> ProfileAsync(Guid id, CancellationToken cancellationToken)
    {
        if (Profiles.TryGetValue(id, out var known))
        {
            return known;
        }

        if (await GetAsync(id, cancellationToken) is not { } tenant)
        {
            return null;
        }

        return Profiles[id] = tenant.Profile;
    }
}
