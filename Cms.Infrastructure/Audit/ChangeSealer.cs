using Cms.Application.Audit;
using Cms.Infrastructure.Persistence;
using Dapper;
using Npgsql;
using NpgsqlTypes;

namespace Cms.Infrastructure.Audit;

/// <summary>
/// PostgreSQL: links a tenant's committed audit entries into its chain and moves its committed events from
/// event_outbox into the feed with their positions, in commit order (docs/adr/0011-writes-without-a-tenant-hot-row.md).
/// <para>
/// One sealer per tenant at a time, on any number of instances: each batch is one transaction that first takes the
/// tenant's transaction-level advisory lock (released by COMMIT, ROLLBACK or a lost connection, so it works through
/// PgBouncer in transaction mode, and a sealer killed mid-batch leaves nothing behind). Within it, what the batch sees is
/// what had committed when its statements ran; it takes the oldest of that by write_id (a sequence value drawn inside
/// each writer's transaction). A change that commits later, even with a lower write_id, is seen by a later batch and
/// placed after: so if one change committed before another began, it is placed first, and a reader that has seen
/// position n has seen every position below it (the batches commit one after another, under the lock).
/// </para>
/// <para>
/// audit_chain_heads is written by the sealer alone (it is the sealer's cursor, no longer the writers' hot row); its
/// update also checks the values the batch started from, a second guard against linking anything twice.
/// </para>
/// </summary>
public sealed class ChangeSealer(DatabaseOptions options, IServiceProvider services, AuditChain chain)
{
    /// <summary>Entries and events per batch (per transaction).</summary>
    public const int BatchSize = 500;

    /// <summary>The answer of <see cref="SealAsync"/> when another sealer holds the tenant and <c>waitForTurn</c> was false.</summary>
    public const int Busy = -1;

    private const string ReadSql =
        """
        SELECT {0}(hashtextextended('cms.chain-sealer.' || @TenantId::text, 0));
        INSERT INTO audit_chain_heads (tenant_id, last_seq, last_hash, last_event_position)
            SELECT @TenantId, 0, '', 0 WHERE NOT EXISTS (SELECT 1 FROM tenant_offboardings o WHERE o.id = @TenantId)
            ON CONFLICT (tenant_id) DO NOTHING;
        SELECT last_seq, last_hash, last_event_position FROM audit_chain_heads WHERE tenant_id = @TenantId;
        SELECT id, occurred_at, entry_hmac FROM audit_entries
        WHERE tenant_id = @TenantId AND seq = 0 AND entry_hmac <> '' ORDER BY write_id LIMIT @Batch;
        SELECT write_id FROM event_outbox WHERE tenant_id = @TenantId ORDER BY write_id LIMIT 1;
        """;

    // The write of a batch: the links and the head's move when there are entries, the placing when there are events. A
    // batch with neither sends none of it (a sweep of idle tenants, a webhook pass): link_audit_entries alone cost the
    // database several milliseconds with nothing to link, planning its update over every month partition.
    private const string LinkSql =
        """
        SELECT link_audit_entries(@Ids, @OccurredAt, @Seqs, @PrevHashes, @Hashes);
        UPDATE audit_chain_heads SET last_seq = @NewSeq, last_hash = @NewHash
        WHERE tenant_id = @TenantId AND last_seq = @LastSeq
        RETURNING last_seq;
        """;

    private const string PlaceSql = "SELECT place_outbox_events(@LastPosition, @Batch);\n";

    /// <summary>
    /// Seals everything of the tenant committed so far, batch after batch; answers the number of entries and events
    /// sealed, or <see cref="Busy"/> when another sealer holds the tenant and <paramref name="waitForTurn"/> is false.
    /// With <paramref name="waitForTurn"/>, everything committed before the call is sealed when it returns. SQLite links
    /// and places in the writer's transaction: nothing to do.
    /// </summary>
    public async Task<int> SealAsync(Guid tenantId, bool waitForTurn, CancellationToken cancellationToken)
    {
        if (options.Provider != DatabaseProvider.Postgres)
        {
            return 0;
        }

        await using var connection = (NpgsqlConnection)await ServiceConnections.OpenAsync(options, services, cancellationToken);
        var total = 0;
        while (true)
        {
            var (count, full) = await SealBatchAsync(connection, tenantId, waitForTurn, cancellationToken);
            if (count == Busy)
            {
                return total > 0 ? total : Busy;
            }

            total += count;
            if (!full)
            {
                return total;
            }
        }
    }

    /// <summary>Every tenant of the registry but those being deleted, for the sweep (a tenant with nothing waiting costs one short transaction).</summary>
    public async Task<IReadOnlyList<Guid>> TenantsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await ServiceConnections.OpenAsync(options, services, cancellationToken);
        return (await connection.QueryAsync<Guid>(new CommandDefinition("SELECT id FROM tenants t WHERE NOT EXISTS (SELECT 1 FROM tenant_offboardings o WHERE o.id = t.id) ORDER BY id",
            commandTimeout: options.CommandTimeoutSeconds, cancellationToken: cancellationToken))).AsList();
    }

    private async Task<(int Count, bool Full)> SealBatchAsync(NpgsqlConnection connection, Guid tenantId, bool waitForTurn,
        CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var lockFunction = waitForTurn ? "pg_advisory_xact_lock" : "pg_try_advisory_xact_lock";
        var read = new NpgsqlCommand(
            ServiceConnections.SetTenant(tenantId) + $"SET LOCAL statement_timeout = {options.CommandTimeoutSeconds * 1000};\n"
            + string.Format(System.Globalization.CultureInfo.InvariantCulture, ReadSql, lockFunction), connection, transaction)
        {
            CommandTimeout = options.CommandTimeoutSeconds + 5,
        };
        read.Parameters.AddWithValue("TenantId", tenantId);
        read.Parameters.AddWithValue("Batch", BatchSize);
        long lastSeq, lastPosition;
        string lastHash;
        var ids = new List<Guid>();
        var occurredAt = new List<DateTimeOffset>();
        var entryHmacs = new List<string>();
        var eventsWaiting = false;
        await using (read)
        await using (var reader = await read.ExecuteReaderAsync(cancellationToken))
        {
            await reader.ReadAsync(cancellationToken);
            var locked = waitForTurn || reader.GetFieldValue<bool>(0);
            if (!locked)
            {
                return (Busy, false);
            }

            await reader.NextResultAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken))
            {
                return (0, false); // a tenant being offboarded gets no new chain head (docs/adr/0018-tenant-offboarding.md)
            }

            (lastSeq, lastHash, lastPosition) = (reader.GetInt64(0), reader.GetString(1), reader.GetInt64(2));
            await reader.NextResultAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                ids.Add(reader.GetGuid(0));
                occurredAt.Add(reader.GetFieldValue<DateTimeOffset>(1));
                entryHmacs.Add(reader.GetString(2));
            }

            await reader.NextResultAsync(cancellationToken);
            eventsWaiting = await reader.ReadAsync(cancellationToken); // the oldest waiting event, by the outbox's key
        }

        if (ids.Count == 0 && !eventsWaiting)
        {
            await transaction.CommitAsync(CancellationToken.None); // a new chain head, if this was the tenant's first batch
            return (0, false);
        }

        var seqs = new long[ids.Count];
        var previousHashes = new string[ids.Count];
        var hashes = new string[ids.Count];
        var previous = lastHash;
        for (var i = 0; i < ids.Count; i++)
        {
            seqs[i] = lastSeq + 1 + i;
            previousHashes[i] = previous;
            previous = hashes[i] = chain.LinkHash(tenantId, seqs[i], previous, entryHmacs[i]);
        }

        var linking = ids.Count > 0;
        await using var write = new NpgsqlCommand((linking ? LinkSql : "") + (eventsWaiting ? PlaceSql : ""), connection, transaction)
        {
            CommandTimeout = options.CommandTimeoutSeconds + 5,
        };
        write.Parameters.AddWithValue("TenantId", tenantId);
        write.Parameters.AddWithValue("Batch", BatchSize);
        write.Parameters.AddWithValue("Ids", ids.ToArray());
        write.Parameters.Add(new NpgsqlParameter("OccurredAt", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz) { Value = occurredAt.ToArray() });
        write.Parameters.AddWithValue("Seqs", seqs);
        write.Parameters.AddWithValue("PrevHashes", previousHashes);
        write.Parameters.AddWithValue("Hashes", hashes);
        write.Parameters.AddWithValue("LastSeq", lastSeq);
        write.Parameters.AddWithValue("LastPosition", lastPosition);
        write.Parameters.AddWithValue("NewSeq", lastSeq + ids.Count);
        write.Parameters.AddWithValue("NewHash", previous);
        var events = 0;
        var headMoved = !linking;
        await using (var reader = await write.ExecuteReaderAsync(cancellationToken))
        {
            if (linking)
            {
                await reader.NextResultAsync(cancellationToken);
                headMoved = await reader.ReadAsync(cancellationToken);
                await reader.NextResultAsync(cancellationToken);
            }

            if (eventsWaiting)
            {
                await reader.ReadAsync(cancellationToken);
                events = reader.GetInt32(0);
            }
        }

        if (!headMoved)
        {
            throw new InvalidOperationException("The tenant's chain head moved during a sealing batch; nothing was sealed.");
        }

        await transaction.CommitAsync(CancellationToken.None);
        return (ids.Count + events, ids.Count == BatchSize || events == BatchSize);
    }
}
