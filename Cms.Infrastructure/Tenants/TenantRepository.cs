using System.Collections.Concurrent;
using Cms.Application.Abstractions;
using Cms.Domain.Common;
using Cms.Domain.Regulation;
using Cms.Domain.Tenants;
using Cms.Infrastructure.Persistence;

namespace Cms.Infrastructure.Tenants;

internal sealed class TenantRepository(DbSession db, LockedRows locked) : ITenantRepository
{
    // A tenant's sector and jurisdiction are set once (TenantRow.Map), so its profile is kept in the process once read.
    private static readonly ConcurrentDictionary<Guid, RegulatoryProfile> Profiles = new();

    public Task AddAsync(Tenant tenant, CancellationToken cancellationToken) =>
        db.ExecuteAsync(
            TenantRow.Map.Insert, TenantRow.Parameters(tenant), cancellationToken);

    /// <summary>A platform operator's status change; compare-and-set on the status read, so of two racing operators one wins.
    /// The status is the row's guard (<see cref="LockedRows"/> keeps it as the version): after a locked read the update is
    /// held for COMMIT, its scope kept (the operator enters the tenant's scope next).</summary>
    public Task<bool> UpdateStatusAsync(Tenant tenant, TenantStatus expected, CancellationToken cancellationToken) =>
        locked.UpdateAsync("tenants", tenant.Id, (long)expected, (long)tenant.Status,
            $"UPDATE tenants SET {TenantRow.Map.UpdateSet} WHERE {TenantRow.Map.KeyEquals} AND status = @Expected",
            new DynamicParametersBuilder(TenantRow.Parameters(tenant)).With("Expected", expected.ToWire()).Build(),
            cancellationToken);

    public async Task<TenantRegistration> GetRegistrationAsync(Guid id, bool forStatusChange, CancellationToken cancellationToken)
    {
        // Two statements, one round trip: the offboarding row outlives the registry row.
        var (offboarding, row) = await db.QueryMultipleAsync(
            $"""
            SELECT EXISTS (SELECT 1 FROM tenant_offboardings WHERE id = @Id);
            SELECT {TenantRow.Map.Columns} FROM tenants WHERE id = @Id{(forStatusChange ? locked.Clause() : "")}
            """,
            new { Id = id },
            async results => (await results.ReadSingleAsync<bool>(), await results.ReadSingleOrDefaultAsync<TenantRow>()),
            cancellationToken);
        var tenant = row?.ToDomain();
        if (tenant is not null && forStatusChange)
        {
            locked.Read("tenants", id, (long)tenant.Status);
        }

        return new TenantRegistration(tenant, offboarding);
    }

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
