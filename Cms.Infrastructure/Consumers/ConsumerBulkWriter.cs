using Cms.Application.Abstractions;
using Cms.Domain.Consumers;
using Cms.Infrastructure.Crypto;
using Cms.Infrastructure.Persistence;
using Npgsql;
using NpgsqlTypes;

namespace Cms.Infrastructure.Consumers;

/// <summary>
/// The bulk import's writer. Sealing is the same as <see cref="ConsumerRepository.AddAsync"/> (one data key per consumer
/// wrapped with the tenant key, every personal field AES-256-GCM under it, blind indexes under the tenant's blind-index
/// key), done in parallel on every core since it is pure CPU, with one <see cref="ConsumerSealer"/> per worker, one
/// statement's rows at a time: the next statement's rows are sealed while the database inserts the current one. Then:
/// <list type="bullet">
/// <item>PostgreSQL: multi-row INSERTs of 1,000 rows as cms_app, under the tenant policy (WITH CHECK holds for every row,
/// and the tenant id comes from the scope, never from the file). ON CONFLICT on the external reference's blind index skips
/// duplicates; RETURNING names the rows added, the others' positions are the skipped ones. Not COPY: PostgreSQL refuses
/// COPY FROM into tables under row-level security, and on Citus an INSERT … SELECT from a coordinator-local staging table
/// into a distributed table is executed as COPY into the shards, which their row-level security refuses the same way
/// (docs/scaling.md). Every statement names one tenant, so on Citus each is a single-shard statement.</item>
/// <item>SQLite (no RLS, in-process): one prepared insert per row in the transaction.</item>
/// </list>
/// </summary>
internal sealed class ConsumerBulkWriter(DbSession db, TenantScope scope, ConsumerKeyring keys, DatabaseOptions options, TimeProvider clock)
    : IConsumerBulkWriter
{
    /// <summary>Rows per multi-row INSERT: 17 parameters a row (every column), below the protocol's 65,535 per statement.</summary>
    private const int RowsPerStatement = 1000;

    public async Task<IReadOnlyList<int>> AddManyAsync(IReadOnlyList<Consumer> consumers, CancellationToken cancellationToken)
    {
        var tenantId = scope.Required;
        foreach (var consumer in consumers)
        {
            TenantGuard.Check(scope, consumer.TenantId);
        }

        var tenantKey = (await keys.CurrentTenantKeyAsync(create: true, cancellationToken))!;
        var sealedRows = new SealedRows(consumers, tenantKey, tenantId);
        var createdAt = clock.GetUtcNow();
        if (options.Provider == DatabaseProvider.Postgres)
        {
            return await InsertInBatchesAsync(tenantId, sealedRows, createdAt, cancellationToken);
        }

        await sealedRows.SealAsync(0, consumers.Count, cancellationToken);
        return await InsertEachAsync(tenantId, sealedRows.Rows, sealedRows.WrappedKeys, createdAt, cancellationToken);
    }

    /// <summary>The import batch's rows as they are sealed, a range at a time, on every core.</summary>
    private sealed class SealedRows(IReadOnlyList<Consumer> consumers, TenantKeyMaterial tenantKey, Guid tenantId)
    {
        public ConsumerRow[] Rows { get; } = new ConsumerRow[consumers.Count];

        public string[] WrappedKeys { get; } = new string[consumers.Count];

        public Task SealAsync(int first, int count, CancellationToken cancellationToken) => Task.Run(() =>
            Parallel.For(first, first + count, new ParallelOptions { CancellationToken = cancellationToken },
                () => new ConsumerSealer(tenantKey, tenantId, count),
                (i, _, sealer) =>
                {
                    (Rows[i], WrappedKeys[i]) = sealer.SealNew(consumers[i]);
                    return sealer;
                },
                sealer => sealer.Dispose()), cancellationToken);
    }

    private async Task<IReadOnlyList<int>> InsertInBatchesAsync(Guid tenantId, SealedRows sealedRows, DateTimeOffset createdAt,
        CancellationToken cancellationToken)
    {
        var connection = (NpgsqlConnection)await db.ConnectionInTransactionAsync(cancellationToken);
        var (rows, wrappedKeys) = (sealedRows.Rows, sealedRows.WrappedKeys);
        var skipped = new List<int>();
        var sealing = sealedRows.SealAsync(0, Math.Min(RowsPerStatement, rows.Length), cancellationToken);
        try
        {
            for (var first = 0; first < rows.Length; first += RowsPerStatement)
            {
                await sealing;
                var next = first + RowsPerStatement;
                sealing = next < rows.Length
                    ? sealedRows.SealAsync(next, Math.Min(RowsPerStatement, rows.Length - next), cancellationToken)
                    : Task.CompletedTask;
                await InsertStatementAsync(connection, tenantId, rows, wrappedKeys, first, Math.Min(RowsPerStatement, rows.Length - first),
                    createdAt, skipped, cancellationToken);
            }
        }
        finally
        {
            // An insert that failed leaves the next range's sealing running: it ends before the batch's transaction does.
            await sealing.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        return skipped;
    }

    /// <summary>One multi-row INSERT of consumers and one of their keys (those the first added); the skipped positions are
    /// added to <paramref name="skipped"/>.</summary>
    private async Task InsertStatementAsync(NpgsqlConnection connection, Guid tenantId, ConsumerRow[] rows, string[] wrappedKeys,
        int first, int count, DateTimeOffset createdAt, List<int> skipped, CancellationToken cancellationToken)
    {
        var added = new HashSet<Guid>(count);
        await using (var insert = new NpgsqlCommand(ConsumersInsert(count), connection) { CommandTimeout = options.CommandTimeoutSeconds })
        {
            for (var i = first; i < first + count; i++)
            {
                foreach (var value in ConsumerRow.Map.ValuesOf(rows[i]))
                {
                    insert.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
                }
            }

            await using var reader = await insert.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                added.Add(reader.GetGuid(0));
            }
        }

        await using var keysInsert = new NpgsqlCommand { Connection = connection, CommandTimeout = options.CommandTimeoutSeconds };
        keysInsert.Parameters.Add(new NpgsqlParameter { Value = tenantId, NpgsqlDbType = NpgsqlDbType.Uuid });
        keysInsert.Parameters.Add(new NpgsqlParameter { Value = createdAt, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        for (var i = first; i < first + count; i++)
        {
            if (!added.Contains(rows[i].Id))
            {
                skipped.Add(i);
                continue;
            }

            keysInsert.Parameters.Add(new NpgsqlParameter { Value = rows[i].Id, NpgsqlDbType = NpgsqlDbType.Uuid });
            keysInsert.Parameters.Add(new NpgsqlParameter { Value = wrappedKeys[i], NpgsqlDbType = NpgsqlDbType.Text });
        }

        if (added.Count > 0)
        {
            keysInsert.CommandText = ConsumerKeysInsert(added.Count);
            await keysInsert.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    /// <summary>
    /// One statement for <paramref name="count"/> consumers (file order: the first of each external reference wins, later
    /// ones are skipped by ON CONFLICT), returning the ids it added.
    /// </summary>
    private static string ConsumersInsert(int count) =>
        ConsumerRow.Map.InsertRows(count) + " ON CONFLICT (tenant_id, external_ref_bidx) DO NOTHING RETURNING id";

    /// <summary>One statement for <paramref name="count"/> data keys of the tenant in $1, created at $2.</summary>
    private static string ConsumerKeysInsert(int count)
    {
        var sql = new System.Text.StringBuilder("INSERT INTO consumer_keys (tenant_id, consumer_id, wrapped_key, created_at) VALUES ");
        for (var row = 0; row < count; row++)
        {
            var p = 3 + row * 2;
            sql.Append(row == 0 ? "" : ", ").Append(System.Globalization.CultureInfo.InvariantCulture, $"($1, ${p}, ${p + 1}, $2)");
        }

        return sql.ToString();
    }

    private async Task<IReadOnlyList<int>> InsertEachAsync(Guid tenantId, ConsumerRow[] rows, string[] wrappedKeys,
        DateTimeOffset createdAt, CancellationToken cancellationToken)
    {
        var skipped = new List<int>();
        for (var i = 0; i < rows.Length; i++)
        {
            var added = await db.ExecuteAsync(
                $"{ConsumerRow.Map.Insert} ON CONFLICT (tenant_id, external_ref_bidx) DO NOTHING",
                rows[i], cancellationToken);
            if (added == 0)
            {
                skipped.Add(i);
                continue;
            }

            await db.ExecuteAsync(
                "INSERT INTO consumer_keys (tenant_id, consumer_id, wrapped_key, created_at) VALUES (@TenantId, @ConsumerId, @WrappedKey, @CreatedAt)",
                new { TenantId = tenantId, ConsumerId = rows[i].Id, WrappedKey = wrappedKeys[i], CreatedAt = createdAt }, cancellationToken);
        }

        return skipped;
    }
}
