using Cms.Application.Abstractions;
using Cms.Domain.Webhooks;
using Cms.Infrastructure.Persistence;

namespace Cms.Infrastructure.Webhooks;

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
