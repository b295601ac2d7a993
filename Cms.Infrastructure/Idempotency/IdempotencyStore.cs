using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Cms.Application.Abstractions;
using Cms.Infrastructure.Crypto;
using Cms.Infrastructure.Persistence;

namespace Cms.Infrastructure.Idempotency;

/// <summary>
/// Idempotency keys in the request's transaction. A tenant principal's keys live in idempotency_keys (tenant_id leads
/// every key; row-level security on PostgreSQL), a platform operator's in platform_idempotency_keys (no tenant).
/// </summary>
/// <remarks>
/// Concurrency. PostgreSQL: the claim first takes a transaction-scoped advisory lock on a 64-bit hash of (scope,
/// principal, key) with pg_try_advisory_xact_lock; when another transaction holds it, that request is still in flight
/// and the answer is <see cref="IdempotencyClaimOutcome.InFlight"/> at once (no waiting). The lock ends with the
/// transaction, by which time its row is committed (and is then replayed) or gone (and the key is free again); the
/// INSERT ... ON CONFLICT DO NOTHING that follows never raises a unique violation, which would abort the transaction.
/// SQLite: transactions start IMMEDIATE, so writers are serialised and a second request sees the first's committed
/// row. Expired rows are ignored (an expired row of the same key is taken over). A claim deletes nothing: expired rows
/// go in the background purge's own transactions (<see cref="IdempotencyPurger"/>). On PostgreSQL that purge is the
/// owner's SECURITY DEFINER function, and on Citus a call to it after cms_app wrote in the same transaction is refused
/// (shard placements modified by a different user), so it must never run inside a request's transaction.
/// </remarks>
internal sealed class IdempotencyStore(DbSession db, DatabaseOptions options, ConsumerTextKeys consumerKeys) : IIdempotencyStore
{
    public async Task<IdempotencyClaim> ClaimAsync(IdempotencyScope scope, string key, string requestHash, DateTimeOffset now,
        DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        var sql = Sql.For(scope);
        var parameters = Parameters(scope, key, new
        {
            RequestHash = requestHash,
            Now = now,
            ExpiresAt = expiresAt,
            Lock = LockKey(scope, key),
        });

        if (options.Provider == DatabaseProvider.Postgres &&
            !await db.ExecuteScalarAsync<bool>("SELECT pg_try_advisory_xact_lock(@Lock)", parameters, cancellationToken))
        {
            return new IdempotencyClaim(IdempotencyClaimOutcome.InFlight);
        }

        return await ClaimOwnKeyAsync(scope, key, sql, parameters, requestHash, now, cancellationToken);
    }

    public async Task RecordAsync(IdempotencyScope scope, string key, IdempotentResponse response, CancellationToken cancellationToken)
    {
        var body = response.Body;
        Guid? consumerId = null;
        if (scope.TenantId is not null && response.Subject is { } subject)
        {
            var cipher = subject.ConsumerId is { } id
                ? await consumerKeys.ForConsumerAsync(id, cancellationToken)
                : await consumerKeys.ForComplaintAsync(subject.ComplaintId!.Value, cancellationToken);
            consumerId = cipher.ConsumerId;
            body = cipher.Seal(Table, RowId(scope, key), BodyColumn, body)!;
        }

        var parameters = Parameters(scope, key, new { response.StatusCode, Body = body, response.Location, response.ETag });
        parameters.Add("ConsumerId", consumerId);
        parameters.Add("AnswerRef", consumerId is null ? null : response.Subject!.Reference);
        var updated = await db.ExecuteAsync(Sql.For(scope).Record, parameters, cancellationToken);
        if (updated != 1)
        {
            throw new InvalidOperationException("The idempotency key to record the answer for is not held by this transaction.");
        }
    }

    private async Task<IdempotencyClaim> ClaimOwnKeyAsync(IdempotencyScope scope, string key, Sql sql, Dapper.DynamicParameters parameters,
        string requestHash, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (await db.ExecuteAsync(sql.Insert, parameters, cancellationToken) == 1)
        {
            return new IdempotencyClaim(IdempotencyClaimOutcome.Claimed);
        }

        var row = await db.QuerySingleOrDefaultAsync<KeyRow>(sql.Select, parameters, cancellationToken)
                  ?? throw new InvalidOperationException("An idempotency key neither inserted nor found.");
        if (row.ExpiresAt <= now)
        {
            // An expired use of the key is ignored: take the row over for this request.
            return await db.ExecuteAsync(sql.TakeOver, parameters, cancellationToken) == 1
                ? new IdempotencyClaim(IdempotencyClaimOutcome.Claimed)
                : new IdempotencyClaim(IdempotencyClaimOutcome.InFlight);
        }

        if (!string.Equals(row.RequestHash, requestHash, StringComparison.Ordinal))
        {
            return new IdempotencyClaim(IdempotencyClaimOutcome.Mismatch);
        }

        if (row.StatusCode is not { } status)
        {
            return new IdempotencyClaim(IdempotencyClaimOutcome.InFlight);
        }

        if (row.ConsumerId is not { } consumerId)
        {
            return new IdempotencyClaim(IdempotencyClaimOutcome.Replay, new IdempotentResponse(status, row.ResponseBody ?? "", row.Location, row.ETag));
        }

        var cipher = await consumerKeys.ForConsumerAsync(consumerId, cancellationToken);
        var body = cipher.Open(Table, RowId(scope, key), BodyColumn, row.ResponseBody);
        return string.IsNullOrEmpty(body)
            ? new IdempotencyClaim(IdempotencyClaimOutcome.Replay, ErasedReference: row.AnswerRef)
            : new IdempotencyClaim(IdempotencyClaimOutcome.Replay, new IdempotentResponse(status, body, row.Location, row.ETag));
    }

    private const string Table = "idempotency_keys";
    private const string BodyColumn = "response_body";

    /// <summary>The row id the sealed answer is bound to: the key's row is (tenant, principal, key), with no uuid of its own.</summary>
    private static Guid RowId(IdempotencyScope scope, string key) =>
        new(SHA256.HashData(Encoding.UTF8.GetBytes($"{scope.Principal}\n{key}")).AsSpan(0, 16));

    private static Dapper.DynamicParameters Parameters(IdempotencyScope scope, string key, object extra)
    {
        var parameters = new Dapper.DynamicParameters(extra);
        parameters.Add("TenantId", scope.TenantId);
        parameters.Add("Principal", scope.Principal);
        parameters.Add("IdemKey", key);
        return parameters;
    }

    private static long LockKey(IdempotencyScope scope, string key)
    {
        var text = $"idempotency\n{scope.TenantId?.ToString("D") ?? "platform"}\n{scope.Principal}\n{key}";
        return BinaryPrimitives.ReadInt64BigEndian(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    private sealed class KeyRow
    {
        public string RequestHash { get; init; } = "";
        public int? StatusCode { get; init; }
        public string? ResponseBody { get; init; }
        public string? Location { get; init; }
        public string? ETag { get; init; }
        public DateTimeOffset ExpiresAt { get; init; }
        public Guid? ConsumerId { get; init; }
        public string? AnswerRef { get; init; }
    }

    private sealed record Sql(string Insert, string Select, string TakeOver, string Record)
    {
        private static readonly Sql Tenant = Build("idempotency_keys", "tenant_id, ", "@TenantId, ", "tenant_id = @TenantId AND ",
            ", consumer_id AS ConsumerId, answer_ref AS AnswerRef", ", consumer_id = NULL, answer_ref = NULL", ", consumer_id = @ConsumerId, answer_ref = @AnswerRef");

        private static readonly Sql Platform = Build("platform_idempotency_keys", "", "", "", "", "", "");

        public static Sql For(IdempotencyScope scope) => scope.TenantId is null ? Platform : Tenant;

        /// <param name="subjectColumns">What the select adds: the consumer an answer is sealed for (tenant keys only).</param>
        /// <param name="subjectCleared">What a take-over adds.</param>
        /// <param name="subjectSet">What the record adds.</param>
        private static Sql Build(string table, string tenantColumn, string tenantValue, string tenantFilter, string subjectColumns,
            string subjectCleared, string subjectSet)
        {
            var key = $"{tenantFilter}principal = @Principal AND idem_key = @IdemKey";
            return new Sql(
                Insert: $"""
                    INSERT INTO {table} ({tenantColumn}principal, idem_key, request_hash, created_at, expires_at)
                    VALUES ({tenantValue}@Principal, @IdemKey, @RequestHash, @Now, @ExpiresAt)
                    ON CONFLICT DO NOTHING
                    """,
                Select: $"SELECT request_hash AS RequestHash, status_code AS StatusCode, response_body AS ResponseBody, location AS Location, etag AS ETag, expires_at AS ExpiresAt{subjectColumns} FROM {table} WHERE {key}",
                TakeOver: $"""
                    UPDATE {table} SET request_hash = @RequestHash, status_code = NULL, response_body = NULL, location = NULL, etag = NULL,
                        created_at = @Now, expires_at = @ExpiresAt{subjectCleared}
                    WHERE {key} AND expires_at <= @Now
                    """,
                Record: $"""
                    UPDATE {table} SET status_code = @StatusCode, response_body = @Body, location = @Location, etag = @ETag{subjectSet}
                    WHERE {key} AND status_code IS NULL
                    """);
        }
    }
}
