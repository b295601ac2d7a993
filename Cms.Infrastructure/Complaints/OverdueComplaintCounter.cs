using Cms.Infrastructure.Persistence;
using Dapper;

namespace Cms.Infrastructure.Complaints;

/// <summary>
/// Counts each tenant's overdue complaints (an open complaint whose next regulatory deadline has passed) for the
/// <c>cms.complaints.overdue</c> gauge. Cheap at any size: closed complaints have no next_due_at, so each tenant's count
/// is one range scan of ix_complaints_next_due (tenant_id, next_due_at, id) over its overdue complaints only, never over
/// its consumers or its closed history. On PostgreSQL one short transaction per tenant entered through
/// <see cref="TenantWork"/> (the tenant set as for a request), so row-level security holds here as everywhere.
/// </summary>
public sealed class OverdueComplaintCounter(DatabaseOptions options, IServiceProvider services, TenantWork tenantWork)
{
    private const string TenantsSql = "SELECT id FROM tenants ORDER BY id";

    private const string CountSql = "SELECT count(*) FROM complaints WHERE tenant_id = @TenantId AND next_due_at < @Now";

    public async Task<IReadOnlyDictionary<Guid, long>> CountAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await ServiceConnections.OpenAsync(options, services, cancellationToken);
        var tenants = (await connection.QueryAsync<Guid>(new CommandDefinition(TenantsSql, cancellationToken: cancellationToken))).AsList();
        var counts = new Dictionary<Guid, long>(tenants.Count);
        foreach (var tenantId in tenants)
        {
            var parameters = new { TenantId = tenantId, Now = now.ToUniversalTime() };
            if (options.Provider != DatabaseProvider.Postgres)
            {
                // SQLite: a plain read (a transaction here would be IMMEDIATE and queue behind writers).
                counts[tenantId] = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                    CountSql, parameters, commandTimeout: options.CommandTimeoutSeconds, cancellationToken: cancellationToken));
                continue;
            }

            counts[tenantId] = await tenantWork.RunAsync(tenantId, (db, token) => db.ExecuteScalarAsync<long>(CountSql, parameters, token),
                cancellationToken, commit: false);
        }

        return counts;
    }
}
