using System.Buffers;
using System.Collections.Concurrent;
using Cms.Application.Abstractions;
using Cms.Domain.Consumers;
using Cms.Infrastructure.Crypto;
using Cms.Infrastructure.Persistence;
using Npgsql;

namespace Cms.Infrastructure.Consumers;

/// <summary>
/// The bulk import's writer. Sealing is the same as <see cref="ConsumerRepository.AddAsync"/> (one data key per consumer
/// wrapped with the tenant key, every personal field AES-256-GCM under it, blind indexes under the tenant's blind-index
/// key), done in parallel on every core since it is pure CPU, with one <see cref="ConsumerSealer"/> per worker, 1,000
/// rows at a time: the next rows are sealed while the database takes the current ones. Then (ADR 0020):
/// <list type="bullet">
/// <item>PostgreSQL: binary COPY into a temporary staging table and one INSERT … SELECT into consumers and consumer_keys
/// as cms_app, under the tenant policy (<see cref="ConsumerStagedCopy"/>). PostgreSQL refuses COPY FROM into a table
/// under row-level security, hence the staging table, which has none and is private to the transaction.</item>
/// <item>Citus: the INSERT … SELECT from a coordinator-local table into a distributed one is executed as COPY into the
/// shards, which their row-level security refuses, so multi-row INSERTs of 1,000 rows (<see cref="ConsumerRowsStatement"/>,
/// ADR 0009), each naming one tenant, a single-shard statement.</item>
/// <item>SQLite (no RLS, in-process): one prepared insert per row in the transaction.</item>
/// </list>
/// Either way the tenant id comes from the scope, never from the file, and the policy's WITH CHECK holds for every row; ON
/// CONFLICT on the external reference's blind index skips duplicates, the first line of a reference winning.
/// </summary>
internal sealed class ConsumerBulkWriter(DbSession db, TenantScope scope, ConsumerKeyring keys, DatabaseOptions options,
    CitusDetection citus, TimeProvider clock)
    : IConsumerBulkWriter
{
    /// <summary>Rows per multi-row INSERT (18 parameters a row, below the protocol's 65,535 per statement), and rows sealed
    /// at a time.</summary>
    internal const int RowsPerStatement = 1000;

    public async Task<IReadOnlyList<int>> AddManyAsync(IReadOnlyList<Consumer> consumers, Func<CancellationToken, Task>? beforeInsert,
        bool insertBeside, CancellationToken cancellationToken)
    {
        var tenantId = scope.Required;
        foreach (var consumer in consumers)
        {
            TenantGuard.Check(scope, consumer.TenantId);
        }

        // A tenant's first consumers create its key: a batch that runs beside the one before it (beforeInsert) creates it
        // only once that one committed, which may have created it (its insert would otherwise wait on that uncommitted
        // key for the whole of the previous batch, under the statement timeout).
        var tenantKey = await keys.CurrentTenantKeyAsync(create: beforeInsert is null, cancellationToken);
        if (tenantKey is null)
        {
            await beforeInsert!(cancellationToken);
            tenantKey = (await keys.CurrentTenantKeyAsync(create: true, cancellationToken))!;
        }

        // Beside the previous batch (references disjoint from its own, checked by the caller) the rows go in at once; the
        // caller waits for that batch's commit before its audit entry and its own commit.
        if (insertBeside)
        {
            beforeInsert = null;
        }

        var sealedRows = new SealedRows(consumers, tenantKey, tenantId);
        var createdAt = clock.GetUtcNow();
        if (options.Provider == DatabaseProvider.Postgres)
        {
            return await citus.IsCitusAsync(db, cancellationToken)
                ? await InsertInBatchesAsync(tenantId, sealedRows, createdAt, beforeInsert, cancellationToken)
                : await ConsumerStagedCopy.RunAsync(db, sealedRows, tenantId, createdAt, RowsPerStatement, beforeInsert, cancellationToken);
        }

        await sealedRows.SealAsync(0, consumers.Count, cancellationToken);
        if (beforeInsert is not null)
        {
            await beforeInsert(cancellationToken);
        }

        return await InsertEachAsync(tenantId, sealedRows.Rows, sealedRows.WrappedKeys, createdAt, cancellationToken);
    }

    public async Task PrepareAsync(CancellationToken cancellationToken) => await keys.CurrentTenantKeyAsync(create: true, cancellationToken);

    /// <summary>The import batch's rows as they are sealed, a range at a time, on every core.</summary>
    internal sealed class SealedRows(IReadOnlyList<Consumer> consumers, TenantKeyMaterial tenantKey, Guid tenantId)
    {
        public ConsumerRow[] Rows { get; } = new ConsumerRow[consumers.Count];

        public string[] WrappedKeys { get; } = new string[consumers.Count];

        /// <summary>Seals up to <paramref name="rowsAtATime"/> rows from <paramref name="first"/> on (nothing past the end):
        /// the writers seal the next range with it while they send the current one.</summary>
        public Task SealRangeAsync(int first, int rowsAtATime, CancellationToken cancellationToken) => first < Rows.Length
            ? SealAsync(first, Math.Min(rowsAtATime, Rows.Length - first), cancellationToken)
            : Task.CompletedTask;

        /// <summary>Seals up to <paramref name="rowsAtATime"/> rows from <paramref name="first"/> on, and has each
        /// encoded by <paramref name="encode"/> (position, row, wrapped key) on the worker that sealed it, into that
        /// worker's buffer, taken from <paramref name="buffers"/> (emptied; the caller gives them back once sent): the
        /// range's buffers, in no order. The sealed rows are not kept, so they die young.</summary>
        public Task<List<ArrayBufferWriter<byte>>> SealIntoAsync(int first, int rowsAtATime, ConcurrentBag<ArrayBufferWriter<byte>> buffers,
            Action<IBufferWriter<byte>, int, ConsumerRow, string> encode, CancellationToken cancellationToken)
        {
            var count = Math.Min(rowsAtATime, Rows.Length - first);
            var filled = new List<ArrayBufferWriter<byte>>();
            return count <= 0
                ? Task.FromResult(filled)
                : Task.Run(() =>
                {
                    Parallel.For(first, first + count, new ParallelOptions { CancellationToken = cancellationToken },
                        () => (Sealer: new ConsumerSealer(tenantKey, tenantId, count), Buffer: Take(buffers)),
                        (i, _, worker) =>
                        {
                            var (row, wrappedKey) = worker.Sealer.SealNew(consumers[i]);
                            encode(worker.Buffer, i, row, wrappedKey);
                            return worker;
                        },
                        worker =>
                        {
                            worker.Sealer.Dispose();
                            lock (filled)
                            {
                                filled.Add(worker.Buffer);
                            }
                        });
                    return filled;
                }, cancellationToken);
        }

        private static ArrayBufferWriter<byte> Take(ConcurrentBag<ArrayBufferWriter<byte>> buffers)
        {
            if (!buffers.TryTake(out var buffer))
            {
                return new ArrayBufferWriter<byte>(256 * 1024);
            }

            buffer.ResetWrittenCount();
            return buffer;
        }

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
        Func<CancellationToken, Task>? beforeInsert, CancellationToken cancellationToken)
    {
        var connection = (NpgsqlConnection)await db.ConnectionInTransactionAsync(cancellationToken);
        var (rows, wrappedKeys) = (sealedRows.Rows, sealedRows.WrappedKeys);
        var skipped = new List<int>();
        var statements = new Dictionary<int, ConsumerRowsStatement>();
        var sealing = sealedRows.SealRangeAsync(0, RowsPerStatement, cancellationToken);
        try
        {
            if (beforeInsert is not null)
            {
                await beforeInsert(cancellationToken);
            }

            for (var first = 0; first < rows.Length; first += RowsPerStatement)
            {
                await sealing;
                sealing = sealedRows.SealRangeAsync(first + RowsPerStatement, RowsPerStatement, cancellationToken);
                var count = Math.Min(RowsPerStatement, rows.Length - first);
                if (!statements.TryGetValue(count, out var statement))
                {
                    statements[count] = statement = new ConsumerRowsStatement(connection, tenantId, createdAt, count, options.CommandTimeoutSeconds);
                }

                await statement.InsertAsync(rows, wrappedKeys, first, skipped, cancellationToken);
            }
        }
        finally
        {
            // An insert that failed leaves the next range's sealing running: it ends before the batch's transaction does.
            await sealing.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            foreach (var statement in statements.Values)
            {
                await statement.DisposeAsync();
            }
        }

        return skipped;
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
