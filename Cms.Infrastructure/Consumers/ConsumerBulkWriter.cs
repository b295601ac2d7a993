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
/// key), done in parallel on every core since it is pure CPU, with one <see cref="ConsumerSealer"/> per worker. Then:
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
    /// <summary>Rows per multi-row INSERT: 12 parameters a row, far below the protocol's 65,535 per statement.</summary>
    private const int RowsPerStatement = 1000;

    /// <summary>Parameters of one consumer row in <see cref="ConsumersInsert"/>: id, ten text fields, created_at.</summary>
    private const int ConsumerParameters = 12;

    public async Task<IReadOnlyList<int>> AddManyAsync(IReadOnlyList<Consumer> consumers, CancellationToken cancellationToken)
    {
        var tenantId = scope.Required;
        foreach (var consumer in consumers)
        {
            TenantGuard.Check(scope, consumer.TenantId);
        }

        var tenantKey = (await keys.CurrentTenantKeyAsync(create: true, cancellationToken))!;
        var rows = new SealedConsumer[consumers.Count];
        var wrappedKeys = new string[consumers.Count];
        Parallel.For(0, consumers.Count, new ParallelOptions { CancellationToken = cancellationToken },
            () => new ConsumerSealer(tenantKey, tenantId, consumers.Count),
            (i, _, sealer) =>
            {
                (rows[i], wrappedKeys[i]) = sealer.SealNew(consumers[i]);
                return sealer;
            },
            sealer => sealer.Dispose());

        var createdAt = clock.GetUtcNow();
        return options.Provider == DatabaseProvider.Postgres
            ? await InsertInBatchesAsync(tenantId, rows, wrappedKeys, createdAt, cancellationToken)
            : await InsertEachAsync(tenantId, rows, wrappedKeys, createdAt, cancellationToken);
    }

    private async Task<IReadOnlyList<int>> InsertInBatchesAsync(Guid tenantId, SealedConsumer[] rows, string[] wrappedKeys,
        DateTimeOffset createdAt, CancellationToken cancellationToken)
    {
        var connection = (NpgsqlConnection)db.ConnectionInTransaction;
        var skipped = new List<int>();
        for (var first = 0; first < rows.Length; first += RowsPerStatement)
        {
            var count = Math.Min(RowsPerStatement, rows.Length - first);
            var added = new HashSet<Guid>(count);
            await using (var insert = new NpgsqlCommand(ConsumersInsert(count), connection) { CommandTimeout = options.CommandTimeoutSeconds })
            {
                insert.Parameters.Add(new NpgsqlParameter { Value = tenantId, NpgsqlDbType = NpgsqlDbType.Uuid });
                for (var i = first; i < first + count; i++)
                {
                    var r = rows[i];
                    insert.Parameters.Add(new NpgsqlParameter { Value = r.Id, NpgsqlDbType = NpgsqlDbType.Uuid });
                    foreach (var text in (ReadOnlySpan<string?>)[r.ExternalRef, r.ExternalRefBidx, r.FullName, r.Email, r.EmailBidx, r.Phone,
                                 r.PhoneBidx, r.Address, r.DateOfBirth, r.Vulnerability])
                    {
                        insert.Parameters.Add(new NpgsqlParameter { Value = (object?)text ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
                    }

                    insert.Parameters.Add(new NpgsqlParameter { Value = r.CreatedAt, NpgsqlDbType = NpgsqlDbType.TimestampTz });
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

        return skipped;
    }

    /// <summary>
    /// One statement for <paramref name="count"/> consumers of the tenant in $1 (file order: the first of each external
    /// reference wins, later ones are skipped by ON CONFLICT), returning the ids it added.
    /// </summary>
    private static string ConsumersInsert(int count)
    {
        var sql = new System.Text.StringBuilder($"INSERT INTO consumers ({ConsumerRow.InsertColumns}) VALUES ");
        for (var row = 0; row < count; row++)
        {
            var p = 2 + row * ConsumerParameters;
            sql.Append(row == 0 ? "" : ", ").Append(System.Globalization.CultureInfo.InvariantCulture,
                $"($1, ${p}, ${p + 1}, ${p + 2}, ${p + 3}, ${p + 4}, ${p + 5}, ${p + 6}, ${p + 7}, ${p + 8}, ${p + 9}, ${p + 10}, false, NULL, ${p + 11}, ${p + 11}, 1)");
        }

        return sql.Append(" ON CONFLICT (tenant_id, external_ref_bidx) DO NOTHING RETURNING id").ToString();
    }

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

    private async Task<IReadOnlyList<int>> InsertEachAsync(Guid tenantId, SealedConsumer[] rows, string[] wrappedKeys,
        DateTimeOffset createdAt, CancellationToken cancellationToken)
    {
        var skipped = new List<int>();
        for (var i = 0; i < rows.Length; i++)
        {
            var added = await db.ExecuteAsync(
                $"""
                INSERT INTO consumers ({ConsumerRow.InsertColumns})
                VALUES (@TenantId, @Id, @ExternalRef, @ExternalRefBidx, @FullName, @Email, @EmailBidx, @Phone, @PhoneBidx, @Address,
                        @DateOfBirth, @Vulnerability, @LegalHold, @ErasedAt, @CreatedAt, @UpdatedAt, @Version)
                ON CONFLICT (tenant_id, external_ref_bidx) DO NOTHING
                """,
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
