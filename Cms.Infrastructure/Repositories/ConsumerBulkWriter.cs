using Cms.Application.Abstractions;
using Cms.Domain.Consumers;
using Cms.Infrastructure.Crypto;
using Cms.Infrastructure.Persistence;
using Npgsql;
using NpgsqlTypes;

namespace Cms.Infrastructure.Repositories;

/// <summary>
/// The bulk import's writer. Sealing is the same as <see cref="ConsumerRepository.AddAsync"/> (one data key per consumer
/// wrapped with the tenant key, every personal field AES-256-GCM under it, blind indexes under the tenant's blind-index
/// key), done in parallel on every core since it is pure CPU, with one <see cref="ConsumerSealer"/> per worker. Then:
/// <list type="bullet">
/// <item>PostgreSQL refuses COPY FROM into tables under row-level security, so the sealed rows go by binary COPY into a
/// temporary staging table (no WAL, dropped at commit, so it leaves nothing behind a pooled or PgBouncer connection), and
/// one INSERT … SELECT moves them into consumers and consumer_keys as cms_app, under the tenant policy (WITH CHECK holds
/// for every row, and the tenant id comes from the scope, never from the file). ON CONFLICT on the external reference's
/// blind index skips duplicates; the statement returns their positions.</item>
/// <item>SQLite (no RLS, in-process): one prepared insert per row in the transaction.</item>
/// </list>
/// </summary>
internal sealed class ConsumerBulkWriter(DbSession db, TenantScope scope, ConsumerKeyring keys, DatabaseOptions options, TimeProvider clock)
    : IConsumerBulkWriter
{
    private const string Staging = "consumer_import_staging";

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
            ? await CopyThroughStagingAsync(tenantId, rows, wrappedKeys, createdAt, cancellationToken)
            : await InsertEachAsync(tenantId, rows, wrappedKeys, createdAt, cancellationToken);
    }

    private async Task<IReadOnlyList<int>> CopyThroughStagingAsync(Guid tenantId, SealedConsumer[] rows, string[] wrappedKeys,
        DateTimeOffset createdAt, CancellationToken cancellationToken)
    {
        // Temporary: session-private, not WAL-logged; ON COMMIT DROP: gone with the transaction (also on rollback).
        await db.ExecuteAsync(
            $"""
            CREATE TEMPORARY TABLE {Staging} (
                pos integer NOT NULL, id uuid NOT NULL, external_ref text, external_ref_bidx varchar(64), full_name text,
                email text, email_bidx varchar(64), phone text, phone_bidx varchar(64), address text, date_of_birth text,
                vulnerability text, created_at timestamptz NOT NULL, wrapped_key text NOT NULL
            ) ON COMMIT DROP
            """,
            null, cancellationToken);

        var connection = (NpgsqlConnection)db.ConnectionInTransaction;
        await using (var copy = await connection.BeginBinaryImportAsync(
                         $"COPY {Staging} (pos, id, external_ref, external_ref_bidx, full_name, email, email_bidx, phone, phone_bidx, " +
                         "address, date_of_birth, vulnerability, created_at, wrapped_key) FROM STDIN (FORMAT BINARY)", cancellationToken))
        {
            for (var i = 0; i < rows.Length; i++)
            {
                var r = rows[i];
                await copy.StartRowAsync(cancellationToken);
                await copy.WriteAsync(i, NpgsqlDbType.Integer, cancellationToken);
                await copy.WriteAsync(r.Id, NpgsqlDbType.Uuid, cancellationToken);
                await WriteTextAsync(copy, r.ExternalRef, cancellationToken);
                await WriteTextAsync(copy, r.ExternalRefBidx, cancellationToken);
                await WriteTextAsync(copy, r.FullName, cancellationToken);
                await WriteTextAsync(copy, r.Email, cancellationToken);
                await WriteTextAsync(copy, r.EmailBidx, cancellationToken);
                await WriteTextAsync(copy, r.Phone, cancellationToken);
                await WriteTextAsync(copy, r.PhoneBidx, cancellationToken);
                await WriteTextAsync(copy, r.Address, cancellationToken);
                await WriteTextAsync(copy, r.DateOfBirth, cancellationToken);
                await WriteTextAsync(copy, r.Vulnerability, cancellationToken);
                await copy.WriteAsync(r.CreatedAt, NpgsqlDbType.TimestampTz, cancellationToken);
                await copy.WriteAsync(wrappedKeys[i], NpgsqlDbType.Text, cancellationToken);
            }

            await copy.CompleteAsync(cancellationToken);
        }

        // One statement: the consumers that are new (first of each external reference wins, in file order, ids ascending
        // with it), their data keys, and the positions skipped as duplicates. The tenant is the scope's, the policy checks it.
        var skipped = await db.QueryAsync<int>(
            $"""
            WITH added AS (
                INSERT INTO consumers ({ConsumerRow.InsertColumns})
                SELECT @TenantId, s.id, s.external_ref, s.external_ref_bidx, s.full_name, s.email, s.email_bidx, s.phone,
                       s.phone_bidx, s.address, s.date_of_birth, s.vulnerability, false, NULL, s.created_at, s.created_at, 1
                FROM {Staging} s
                ORDER BY s.pos
                ON CONFLICT (tenant_id, external_ref_bidx) DO NOTHING
                RETURNING id
            ), added_keys AS (
                INSERT INTO consumer_keys (tenant_id, consumer_id, wrapped_key, created_at)
                SELECT @TenantId, s.id, s.wrapped_key, @CreatedAt
                FROM {Staging} s JOIN added a ON a.id = s.id
            )
            SELECT s.pos FROM {Staging} s WHERE NOT EXISTS (SELECT 1 FROM added a WHERE a.id = s.id) ORDER BY s.pos
            """,
            new { TenantId = tenantId, CreatedAt = createdAt }, cancellationToken);
        return skipped;
    }

    private static Task WriteTextAsync(NpgsqlBinaryImporter copy, string? value, CancellationToken cancellationToken) =>
        value is null ? copy.WriteNullAsync(cancellationToken) : copy.WriteAsync(value, NpgsqlDbType.Text, cancellationToken);

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
