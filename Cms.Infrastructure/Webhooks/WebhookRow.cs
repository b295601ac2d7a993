using Cms.Application.Webhooks;
using Cms.Domain.Webhooks;
using Cms.Infrastructure.Persistence;

namespace Cms.Infrastructure.Webhooks;

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
