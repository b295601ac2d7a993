using System.Data.Common;
using Cms.Infrastructure.Persistence;
using Dapper;

namespace Cms.Infrastructure.Idempotency;

/// <summary>
/// Deletes expired idempotency keys of every tenant and of the platform, in bounded batches. A claim purges its own
/// scope's expired keys lazily (<see cref="IdempotencyStore"/>); this pass reaches the tenants that stopped sending keys,
/// whose expired rows would otherwise stay for ever.
/// <para>
/// PostgreSQL: cms_app holds no DELETE, and idempotency_keys has forced row-level security, so the pass goes tenant by
/// tenant (keyset pages of the tenant registry), each batch its own short transaction that sets
/// <c>SET LOCAL app.tenant_id</c> and calls the owner's SECURITY DEFINER <c>purge_expired_idempotency_keys</c>, which
/// deletes only that tenant's expired rows (skipping rows a claim holds); the platform's keys go through
/// <c>purge_expired_platform_idempotency_keys</c>. Both take "expired" from the database server's clock, never from the
/// caller (the time given to PurgeAsync is SQLite's only), and each call is the only statement of its transaction: on Citus a
/// SECURITY DEFINER function may not modify rows that cms_app modified in the same transaction. SQLite (one embedded
/// tenant store, no RLS): bounded DELETEs.
/// Never more than <c>maxBatches</c> batches per scope per pass, so one tenant with a backlog cannot hold up the rest:
/// the next pass continues.
/// </para>
/// </summary>
public sealed class IdempotencyPurger(DatabaseOptions options, IServiceProvider services)
{
    private const int TenantPage = 500;

    /// <summary>One pass over every scope; returns the number of keys deleted. <paramref name="now"/>: SQLite's clock.</summary>
    public async Task<long> PurgeAsync(DateTimeOffset now, int batchSize, int maxBatches, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatches, 1);
        var parameters = new { Now = now.ToUniversalTime(), Limit = batchSize };
        await using var connection = await ServiceConnections.OpenAsync(options, services, cancellationToken);
        if (options.Provider != DatabaseProvider.Postgres)
        {
            return await BatchesAsync(connection, null, SqlitePurge("idempotency_keys"), parameters, batchSize, maxBatches, cancellationToken)
                   + await BatchesAsync(connection, null, SqlitePurge("platform_idempotency_keys"), parameters, batchSize, maxBatches, cancellationToken);
        }

        var purged = await BatchesAsync(connection, null, "SELECT purge_expired_platform_idempotency_keys(@Limit)", parameters,
            batchSize, maxBatches, cancellationToken);
        var after = Guid.Empty; // below every tenant id (ids are UUIDv7, never the empty uuid)
        while (true)
        {
            var tenants = (await connection.QueryAsync<Guid>(new CommandDefinition(
                "SELECT id FROM tenants WHERE id > @After ORDER BY id LIMIT @Page",
                new { After = after, Page = TenantPage }, commandTimeout: options.CommandTimeoutSeconds, cancellationToken: cancellationToken))).AsList();
            foreach (var tenantId in tenants)
            {
                purged += await BatchesAsync(connection, tenantId, "SELECT purge_expired_idempotency_keys(@Limit)", parameters,
                    batchSize, maxBatches, cancellationToken);
            }

            if (tenants.Count < TenantPage)
            {
                return purged;
            }

            after = tenants[^1];
        }
    }

    private async Task<long> BatchesAsync(DbConnection connection, Guid? tenantId, string sql, object parameters, int batchSize, int maxBatches,
        CancellationToken cancellationToken)
    {
        long purged = 0;
        for (var batch = 0; batch < maxBatches; batch++)
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            var text = tenantId is { } id ? ServiceConnections.SetTenant(id) + sql : sql;
            var deleted = await connection.ExecuteScalarAsync<int>(new CommandDefinition(text, parameters, transaction, options.CommandTimeoutSeconds,
                cancellationToken: cancellationToken));
            await transaction.CommitAsync(CancellationToken.None);
            purged += deleted;
            if (deleted < batchSize)
            {
                break;
            }
        }

        return purged;
    }

    /// <summary>SQLite's bounded delete, answering its count as the PostgreSQL purge functions do.</summary>
    private static string SqlitePurge(string table) =>
        $"DELETE FROM {table} WHERE rowid IN (SELECT rowid FROM {table} WHERE expires_at <= @Now LIMIT @Limit);\nSELECT changes();";
}
