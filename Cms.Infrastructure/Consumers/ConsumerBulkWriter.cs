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
        var statements = new Dictionary<int, RowsStatement>();
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
                var count = Math.Min(RowsPerStatement, rows.Length - first);
                if (!statements.TryGetValue(count, out var statement))
                {
                    statements[count] = statement = new RowsStatement(connection, tenantId, createdAt, count, options.CommandTimeoutSeconds);
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

    /// <summary>
    /// The multi-row INSERTs of one size (consumers, then the keys of those it added), their parameters created once and
    /// bound again for every statement of that size: a batch of 10,000 lines is ten statements of 1,000 rows, and creating
    /// 17,000 parameters (and the statement's text) for each was a large share of the importer's garbage.
    /// </summary>
    private sealed class RowsStatement : IAsyncDisposable
    {
        private readonly NpgsqlCommand _consumers;
        private readonly NpgsqlCommand _keys;
        private readonly object?[] _values = new object?[ConsumerRow.Map.WrittenColumns];
        private readonly HashSet<Guid> _added;
        private readonly int _rows;

        public RowsStatement(NpgsqlConnection connection, Guid tenantId, DateTimeOffset createdAt, int rows, int timeoutSeconds)
        {
            _rows = rows;
            _added = new HashSet<Guid>(rows);
            _consumers = new NpgsqlCommand(ConsumersInsert(rows), connection) { CommandTimeout = timeoutSeconds };
            for (var i = 0; i < rows * ConsumerRow.Map.WrittenColumns; i++)
            {
                _consumers.Parameters.Add(new NpgsqlParameter());
            }

            _keys = new NpgsqlCommand(ConsumerKeysInsert(rows), connection) { CommandTimeout = timeoutSeconds };
            _keys.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = tenantId, NpgsqlDbType = NpgsqlDbType.Uuid });
            _keys.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = createdAt, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            for (var i = 0; i < rows; i++)
            {
                _keys.Parameters.Add(new NpgsqlParameter<Guid> { NpgsqlDbType = NpgsqlDbType.Uuid });
                _keys.Parameters.Add(new NpgsqlParameter<string> { NpgsqlDbType = NpgsqlDbType.Text });
            }
        }

        /// <summary>Inserts the statement's rows from <paramref name="first"/> on; the positions skipped (the external
        /// reference exists already) are added to <paramref name="skipped"/>.</summary>
        public async Task InsertAsync(ConsumerRow[] rows, string[] wrappedKeys, int first, List<int> skipped,
            CancellationToken cancellationToken)
        {
            var parameters = _consumers.Parameters;
            var columns = _values.Length;
            for (var row = 0; row < _rows; row++)
            {
                ConsumerRow.Map.CopyValues(rows[first + row], _values);
                for (var column = 0; column < columns; column++)
                {
                    parameters[(row * columns) + column].Value = _values[column] ?? DBNull.Value;
                }
            }

            _added.Clear();
            await using (var reader = await _consumers.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    _added.Add(reader.GetGuid(0));
                }
            }

            var keys = _added.Count == _rows ? _keys : OneOffKeysInsert();
            var bound = 0;
            for (var i = first; i < first + _rows; i++)
            {
                if (!_added.Contains(rows[i].Id))
                {
                    skipped.Add(i);
                    continue;
                }

                ((NpgsqlParameter<Guid>)keys.Parameters[2 + (2 * bound)]).TypedValue = rows[i].Id;
                ((NpgsqlParameter<string>)keys.Parameters[3 + (2 * bound)]).TypedValue = wrappedKeys[i];
                bound++;
            }

            try
            {
                if (bound > 0)
                {
                    await keys.ExecuteNonQueryAsync(cancellationToken);
                }
            }
            finally
            {
                if (keys != _keys)
                {
                    await keys.DisposeAsync();
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _consumers.DisposeAsync();
            await _keys.DisposeAsync();
        }

        // Some lines were duplicates: the keys of the others, in a statement of their number.
        private NpgsqlCommand OneOffKeysInsert()
        {
            var keys = new NpgsqlCommand(ConsumerKeysInsert(_added.Count), _keys.Connection) { CommandTimeout = _keys.CommandTimeout };
            keys.Parameters.Add(_keys.Parameters[0].Clone());
            keys.Parameters.Add(_keys.Parameters[1].Clone());
            for (var i = 0; i < _added.Count; i++)
            {
                keys.Parameters.Add(new NpgsqlParameter<Guid> { NpgsqlDbType = NpgsqlDbType.Uuid });
                keys.Parameters.Add(new NpgsqlParameter<string> { NpgsqlDbType = NpgsqlDbType.Text });
            }

            return keys;
        }
    }

    /// <summary>
    /// One statement for <paramref name="count"/> consumers (file order: the first of each external reference wins, later
    /// ones are skipped by ON CONFLICT), returning the ids it added.
    /// </summary>
    private static string ConsumersInsert(int count) => count == RowsPerStatement
        ? FullConsumersInsert.Value
        : ConsumerRow.Map.InsertRows(count) + " ON CONFLICT (tenant_id, external_ref_bidx) DO NOTHING RETURNING id";

    // The statement of a full range, built once per process (it is about 100 KB of text).
    private static readonly Lazy<string> FullConsumersInsert =
        new(() => ConsumerRow.Map.InsertRows(RowsPerStatement) + " ON CONFLICT (tenant_id, external_ref_bidx) DO NOTHING RETURNING id");

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
