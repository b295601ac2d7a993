using Cms.Application.Abstractions;
using Cms.Application.Common;
using Cms.Application.Webhooks;
using Cms.Infrastructure.Persistence;

namespace Cms.Infrastructure.Webhooks;

// Reads the primary (not QuerySession): webhook commands answer with it, and delivery state (cursor, failures, attempts) changes every poll.
internal sealed class WebhookQueries(DbSession db, TenantScope scope) : IWebhookQueries
{
    public async Task<WebhookDto?> GetAsync(Guid id, CancellationToken cancellationToken) =>
        (await db.QuerySingleOrDefaultAsync<WebhookRow>(
            $"SELECT {WebhookRow.Map.Columns} FROM webhook_endpoints WHERE tenant_id = @TenantId AND id = @Id AND NOT is_deleted",
            new { TenantId = scope.Required, Id = id }, cancellationToken))?.ToDto();

    public async Task<Page<WebhookDto>> ListAsync(int limit, CursorKey? after, CancellationToken cancellationToken)
    {
        var rows = await db.QueryAsync<WebhookRow>(
            $"""
            SELECT {WebhookRow.Map.Columns} FROM webhook_endpoints
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
            SELECT {WebhookAttemptRow.Map.Columns} FROM webhook_attempts
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
        return Cursor.ToPage([.. rows.Select(Mapping.To<WebhookAttemptDto>)], limit, a => new CursorKey(a.AttemptedAt, a.Id));
    }
}
