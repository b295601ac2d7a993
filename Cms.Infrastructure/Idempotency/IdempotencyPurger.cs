using Cms.Infrastructure.Persistence;

namespace Cms.Infrastructure.Idempotency;

/// <summary>
/// Deletes expired idempotency keys of every tenant and of the platform, in bounded batches. A claim purges its own
/// scope's expired keys lazily (<see cref="IdempotencyStore"/>); this pass reaches the tenants that stopped sending keys,
/// whose expired rows would otherwise stay for ever.
/// <para>
/// PostgreSQL: cms_app holds no DELETE, and idempotency_keys has forced row-level security, so the pass goes tenant by
/// tenant (keyset pages of the tenant registry), each batch its own short transaction of that tenant entered through
/// <see cref="TenantWork"/> (the same tenant scope and session a request uses), calling the owner's SECURITY DEFINER
/// <c>purge_expired_idempotency_keys</c>, which deletes only that tenant's expired rows (skipping rows a claim holds);
/// the platform's keys go through <c>purge_expired_platform_idempotency_keys</c>. Both take "expired" from the database
/// server's clock, never from the caller (the time given to PurgeAsync is SQLite's only), and each call is the only
/// statement of its transaction: on Citus a SECURITY DEFINER function may not modify rows that cms_app modified in the
/// same transaction. SQLite (one embedded tenant store, no RLS): bounded DELETEs. Never more than <c>maxBatches</c>
/// batches per scope per pass, so one tenant with a backlog cannot hold up the rest: the next pass continues.
/// </para>
/// </summary>
public sealed class IdempotencyPurger(DatabaseOptions options, TenantWork tenants)
{
    private const int TenantPage = 500;

    /// <summary>One pass over every scope; returns the number of keys deleted. <paramref name="now"/>: SQLite's clock.</summary>
    public async Task<long> PurgeAsync(DateTimeOffset now, int batchSize, int maxBatches, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatches, 1);
        var parameters = new { Now = now.ToUniversalTime(), Limit = batchSize };
        if (options.Provider != DatabaseProvider.Postgres)
        {
            return await BatchesAsync(null, SqlitePurge("idempotency_keys"), parameters, batchSize, maxBatches, cancellationToken)
                   + await BatchesAsync(null, SqlitePurge("platform_idempotency_keys"), parameters, batchSize, maxBatches, cancellationToken);
        }

        var purged = await BatchesAsync(null, "SELECT purge_expired_platform_idempotency_keys(@Limit)", parameters,
            batchSize, maxBatches, cancellationToken);
        var after = Guid.Empty; // below every tenant id (ids are UUIDv7, never the empty uuid)
        while (true)
        {
            var page = await tenants.RunAsync(null, (db, token) => db.QueryAsync<Guid>(
                "SELECT id FROM tenants WHERE id > @After ORDER BY id LIMIT @Page", new { After = after, Page = TenantPage }, token),
                cancellationToken, commit: false);
            foreach (var tenantId in page)
            {
                purged += await BatchesAsync(tenantId, "SELECT purge_expired_idempotency_keys(@Limit)", parameters,
                    batchSize, maxBatches, cancellationToken);
            }

            if (page.Count < TenantPage)
            {
                return purged;
            }

            after = page[^1];
        }
    }

    private async Task<long> BatchesAsync(Guid? tenantId, string sql, object parameters, int batchSize, int maxBatches,
        CancellationToken cancellationToken)
    {
        long purged = 0;
        for (var batch = 0; batch < maxBatches; batch++)
        {
            var deleted = await tenants.RunAsync(tenantId, (db, token) => db.ExecuteScalarAsync<int>(sql, parameters, token), cancellationToken);
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
