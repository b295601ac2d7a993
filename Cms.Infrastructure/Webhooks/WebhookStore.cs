using System.Security.Cryptography;
using System.Text;
using Cms.Application.Abstractions;
using Cms.Application.Common;
using Cms.Application.Webhooks;
using Cms.Domain.Webhooks;
using Cms.Infrastructure.Crypto;
using Cms.Infrastructure.Persistence;

namespace Cms.Infrastructure.Webhooks;

/// <summary>
/// Webhook signing secrets at rest: AES-256-GCM under the active master key (the same provider that wraps the tenant
/// keys), the associated data binding tenant, table and endpoint id so a sealed secret copied to another row does not
/// open. Never logged; opened only by the delivery worker, just before signing.
/// </summary>
public sealed class WebhookSecrets(IMasterKeyProvider master)
{
    public (string Sealed, string MasterKeyVersion) Seal(Guid tenantId, Guid endpointId, string secret)
    {
        var version = master.ActiveVersion;
        var plaintext = Encoding.UTF8.GetBytes(secret);
        try
        {
            return (Convert.ToBase64String(master.Wrap(version, plaintext, AssociatedData(tenantId, endpointId))), version);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    public byte[] Open(Guid tenantId, Guid endpointId, string sealedSecret, string masterKeyVersion) =>
        master.Unwrap(masterKeyVersion, Convert.FromBase64String(sealedSecret), AssociatedData(tenantId, endpointId));

    private static byte[] AssociatedData(Guid tenantId, Guid endpointId) =>
        Encoding.UTF8.GetBytes($"cms|{tenantId:D}|webhook_endpoints|secret|{endpointId:D}");
}

internal sealed class WebhookRow
{
    public Guid TenantId { get; init; }
    public Guid Id { get; init; }
    public string Url { get; init; } = "";
    public string EventTypes { get; init; } = "[]";
    public bool IsActive { get; init; }
    public bool IsDeleted { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
    public long Version { get; init; }
    public long DeliveredPosition { get; init; }
    public int Failures { get; init; }
    public DateTimeOffset NextAttemptAt { get; init; }

    public const string Columns =
        "tenant_id, id, url, event_types, is_active, is_deleted, created_at, updated_at, version, delivered_position, failures, next_attempt_at";

    public string[] Types => StoredJson.Deserialize<string[]>(EventTypes);

    public WebhookEndpoint ToDomain() => WebhookEndpoint.Restore(Id, TenantId, Url, Types, IsActive, IsDeleted, CreatedAt, UpdatedAt, Version);

    public WebhookDto ToDto() => new(Id, Url, Types, IsActive, Version, CreatedAt, UpdatedAt, DeliveredPosition, Failures, NextAttemptAt);
}

internal sealed class WebhookRepository(DbSession db, TenantScope scope, WebhookSecrets secrets, TimeProvider clock) : IWebhookRepository
{
    public async Task AddAsync(WebhookEndpoint endpoint, string secret, long? after, CancellationToken cancellationToken)
    {
        var tenantId = TenantGuard.Check(scope, endpoint.TenantId);
        var (sealedSecret, keyVersion) = secrets.Seal(tenantId, endpoint.Id, secret);
        var start = after ?? await db.QuerySingleOrDefaultAsync<long?>(
            "SELECT last_event_position FROM audit_chain_heads WHERE tenant_id = @TenantId", new { TenantId = tenantId }, cancellationToken) ?? 0;
        await db.ExecuteAsync(
            """
            INSERT INTO webhook_endpoints (tenant_id, id, url, event_types, secret_sealed, master_key_version, is_active, is_deleted,
                                           created_at, updated_at, version, delivered_position, failures, next_attempt_at)
            VALUES (@TenantId, @Id, @Url, @EventTypes, @Sealed, @KeyVersion, @IsActive, @IsDeleted,
                    @CreatedAt, @CreatedAt, @Version, @Start, 0, @CreatedAt)
            """,
            new
            {
                TenantId = tenantId,
                endpoint.Id,
                endpoint.Url,
                EventTypes = StoredJson.Serialize(endpoint.EventTypes),
                Sealed = sealedSecret,
                KeyVersion = keyVersion,
                endpoint.IsActive,
                endpoint.IsDeleted,
                endpoint.CreatedAt,
                endpoint.Version,
                Start = start,
            },
            cancellationToken);
    }

    public async Task<WebhookEndpoint?> GetAsync(Guid id, CancellationToken cancellationToken) =>
        (await db.QuerySingleOrDefaultAsync<WebhookRow>(
            $"SELECT {WebhookRow.Columns} FROM webhook_endpoints WHERE tenant_id = @TenantId AND id = @Id AND NOT is_deleted",
            new { TenantId = scope.Required, Id = id }, cancellationToken))?.ToDomain();

    public async Task<bool> UpdateAsync(WebhookEndpoint endpoint, long expectedVersion, string? newSecret, CancellationToken cancellationToken)
    {
        var tenantId = TenantGuard.Check(scope, endpoint.TenantId);
        var (sealedSecret, keyVersion) = newSecret is null ? (null, null) : secrets.Seal(tenantId, endpoint.Id, newSecret);
        return await db.ExecuteAsync(
            """
            UPDATE webhook_endpoints
            SET url = @Url, event_types = @EventTypes, is_active = @IsActive, is_deleted = @IsDeleted, updated_at = @UpdatedAt,
                version = @Version,
                secret_sealed = COALESCE(@Sealed, secret_sealed), master_key_version = COALESCE(@KeyVersion, master_key_version)
            WHERE tenant_id = @TenantId AND id = @Id AND version = @Expected
            """,
            new
            {
                TenantId = tenantId,
                endpoint.Id,
                endpoint.Url,
                EventTypes = StoredJson.Serialize(endpoint.EventTypes),
                endpoint.IsActive,
                endpoint.IsDeleted,
                endpoint.UpdatedAt,
                endpoint.Version,
                Sealed = sealedSecret,
                KeyVersion = keyVersion,
                Expected = expectedVersion,
            },
            cancellationToken) == 1;
    }

    public Task RewindAsync(Guid id, long deliveredPosition, CancellationToken cancellationToken) =>
        db.ExecuteAsync(
            """
            UPDATE webhook_endpoints SET delivered_position = @Position, failures = 0, next_attempt_at = @Now
            WHERE tenant_id = @TenantId AND id = @Id AND NOT is_deleted
            """,
            new { TenantId = scope.Required, Id = id, Position = deliveredPosition, Now = clock.GetUtcNow() }, cancellationToken);
}

internal sealed class WebhookAttemptRow
{
    public Guid Id { get; init; }
    public long EventPosition { get; init; }
    public Guid EventId { get; init; }
    public int Attempt { get; init; }
    public DateTimeOffset AttemptedAt { get; init; }
    public string Outcome { get; init; } = "";
    public int? StatusCode { get; init; }
    public string? Error { get; init; }
    public long DurationMs { get; init; }

    public const string Columns = "id, event_position, event_id, attempt, attempted_at, outcome, status_code, error, duration_ms";

    public WebhookAttemptDto ToDto() => new(Id, EventPosition, EventId, Attempt, AttemptedAt, Outcome, StatusCode, Error, DurationMs);
}

// Reads the primary (not QuerySession): webhook commands answer with it, and delivery state (cursor, failures, attempts) changes every poll.
internal sealed class WebhookQueries(DbSession db, TenantScope scope) : IWebhookQueries
{
    public async Task<WebhookDto?> GetAsync(Guid id, CancellationToken cancellationToken) =>
        (await db.QuerySingleOrDefaultAsync<WebhookRow>(
            $"SELECT {WebhookRow.Columns} FROM webhook_endpoints WHERE tenant_id = @TenantId AND id = @Id AND NOT is_deleted",
            new { TenantId = scope.Required, Id = id }, cancellationToken))?.ToDto();

    public async Task<Page<WebhookDto>> ListAsync(int limit, CursorKey? after, CancellationToken cancellationToken)
    {
        var rows = await db.QueryAsync<WebhookRow>(
            $"""
            SELECT {WebhookRow.Columns} FROM webhook_endpoints
            WHERE tenant_id = @TenantId AND NOT is_deleted AND id > @AfterId ORDER BY id LIMIT @Take
            """,
            new { TenantId = scope.Required, AfterId = after?.Id ?? Guid.Empty, Take = limit + 1 }, cancellationToken);
        return Cursor.ToPage([.. rows.Select(r => r.ToDto())], limit, w => new CursorKey(null, w.Id));
    }

    public async Task<Page<WebhookAttemptDto>> ListAttemptsAsync(Guid endpointId, int limit, CursorKey? after,
        CancellationToken cancellationToken)
    {
        var rows = await db.QueryAsync<WebhookAttemptRow>(
            $"""
            SELECT {WebhookAttemptRow.Columns} FROM webhook_attempts
            WHERE tenant_id = @TenantId AND endpoint_id = @EndpointId AND (attempted_at, id) > (@AfterAt, @AfterId)
            ORDER BY attempted_at, id LIMIT @Take
            """,
            new
            {
                TenantId = scope.Required,
                EndpointId = endpointId,
                AfterAt = after?.At ?? DateTimeOffset.UnixEpoch,
                AfterId = after?.Id ?? Guid.Empty,
                Take = limit + 1,
            }, cancellationToken);
        return Cursor.ToPage([.. rows.Select(r => r.ToDto())], limit, a => new CursorKey(a.AttemptedAt, a.Id));
    }
}
