using Cms.Application.Abstractions;
using Cms.Application.Webhooks;
using Cms.Domain.Webhooks;
using Cms.Infrastructure.Persistence;

namespace Cms.Infrastructure.Webhooks;

internal sealed class WebhookRepository(DbSession db, TenantScope scope, WebhookSecrets secrets, TimeProvider clock, LockedRows locked)
    : IWebhookRepository
{
    private const string Table = "webhook_endpoints";

    // The delivery state of each endpoint this request read locked, created or rewound: the answer is built from it.
    private readonly Dictionary<Guid, (long DeliveredPosition, int Failures, DateTimeOffset NextAttemptAt)> _delivery = [];

    public async Task AddAsync(WebhookEndpoint endpoint, string secret, long? after, CancellationToken cancellationToken)
    {
        var tenantId = TenantGuard.Check(scope, endpoint.TenantId);
        var (sealedSecret, keyVersion) = secrets.Seal(tenantId, endpoint.Id, secret);
        var start = after ?? await db.QuerySingleOrDefaultAsync<long?>(
            "SELECT last_event_position FROM audit_chain_heads WHERE tenant_id = @TenantId", new { TenantId = tenantId }, cancellationToken) ?? 0;
        _delivery[endpoint.Id] = (start, 0, endpoint.CreatedAt);
        await db.DeferAsync(WebhookRow.Map.Insert, // with COMMIT (docs/adr/0011)
            new WebhookRow
            {
                TenantId = tenantId,
                Id = endpoint.Id,
                Url = endpoint.Url,
                EventTypes = StoredJson.Serialize(endpoint.EventTypes),
                SecretSealed = sealedSecret,
                MasterKeyVersion = keyVersion,
                IsActive = endpoint.IsActive,
                IsDeleted = endpoint.IsDeleted,
                CreatedAt = endpoint.CreatedAt,
                UpdatedAt = endpoint.CreatedAt,
                Version = endpoint.Version,
                DeliveredPosition = start,
                Failures = 0,
                NextAttemptAt = endpoint.CreatedAt,
            },
            cancellationToken);
    }

    public async Task<WebhookEndpoint?> GetAsync(Guid id, CancellationToken cancellationToken) =>
        (await db.QuerySingleOrDefaultAsync<WebhookRow>(
            $"SELECT {WebhookRow.Map.Columns} FROM webhook_endpoints WHERE tenant_id = @TenantId AND id = @Id AND NOT is_deleted",
            new { TenantId = scope.Required, Id = id }, cancellationToken))?.ToDomain();

    public async Task<WebhookEndpoint?> GetForUpdateAsync(Guid id, CancellationToken cancellationToken)
    {
        var row = await locked.ReadAsync<WebhookRow>(Table, id,
            $"SELECT {WebhookRow.Map.Columns} FROM webhook_endpoints WHERE tenant_id = @TenantId AND id = @Id AND NOT is_deleted",
            new { TenantId = scope.Required, Id = id }, r => r.Version, cancellationToken);
        if (row is null)
        {
            return null;
        }

        _delivery[id] = (row.DeliveredPosition, row.Failures, row.NextAttemptAt);
        return row.ToDomain();
    }

    public WebhookDto AsWritten(WebhookEndpoint endpoint)
    {
        var stored = StoredInstants.Of(db);
        var (delivered, failures, nextAttemptAt) = _delivery[endpoint.Id];
        return new WebhookDto(endpoint.Id, endpoint.Url, endpoint.EventTypes, endpoint.IsActive, endpoint.Version, stored(endpoint.CreatedAt),
            stored(endpoint.UpdatedAt), delivered, failures, stored(nextAttemptAt));
    }

    public async Task<bool> UpdateAsync(WebhookEndpoint endpoint, long expectedVersion, string? newSecret, CancellationToken cancellationToken)
    {
        var tenantId = TenantGuard.Check(scope, endpoint.TenantId);
        var (sealedSecret, keyVersion) = newSecret is null ? (null, null) : secrets.Seal(tenantId, endpoint.Id, newSecret);
        return await locked.UpdateAsync(Table, endpoint.Id, expectedVersion, endpoint.Version,
            $"""
            UPDATE webhook_endpoints
            SET {WebhookRow.Map.UpdateSet},
                secret_sealed = COALESCE(@Sealed, secret_sealed), master_key_version = COALESCE(@KeyVersion, master_key_version)
            WHERE {WebhookRow.Map.KeyEquals} AND version = @Expected
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
            cancellationToken);
    }

    // Nobody reads its count (the endpoint was just read): it travels with COMMIT (docs/adr/0011).
    public Task RewindAsync(Guid id, long deliveredPosition, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        _delivery[id] = (deliveredPosition, 0, now);
        return db.DeferAsync(
            """
            UPDATE webhook_endpoints SET delivered_position = @Position, failures = 0, next_attempt_at = @Now
            WHERE tenant_id = @TenantId AND id = @Id AND NOT is_deleted
            """,
            new { TenantId = scope.Required, Id = id, Position = deliveredPosition, Now = now }, cancellationToken);
    }
}
