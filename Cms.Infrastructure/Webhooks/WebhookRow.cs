using Cms.Application.Webhooks;
using Cms.Domain.Webhooks;
using Cms.Infrastructure.Persistence;

namespace Cms.Infrastructure.Webhooks;

/// <summary>A webhook_endpoints row: the subscriber (its secret sealed under the master key) and its delivery state.</summary>
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
    public string SecretSealed { get; init; } = "";
    public string MasterKeyVersion { get; init; } = "";
    public string? LeaseOwner { get; init; }
    public DateTimeOffset? LeaseUntil { get; init; }

    /// <summary>The endpoint's columns: the repository writes the subscription (mutable), the dispatcher the delivery state
    /// and the lease (set at insert here, then by its own statements), a secret rotation the sealed secret.</summary>
    public static readonly ColumnMap Map = new("webhook_endpoints", keys: ["tenant_id", "id"],
        setOnce: ["created_at", "secret_sealed", "master_key_version", "delivered_position", "failures", "next_attempt_at", "lease_owner",
            "lease_until"],
        mutable: ["url", "event_types", "is_active", "is_deleted", "updated_at", "version"]);

    public string[] Types => StoredJson.Deserialize<string[]>(EventTypes);

    public WebhookEndpoint ToDomain() => WebhookEndpoint.Restore(Id, TenantId, Url, Types, IsActive, IsDeleted, CreatedAt, UpdatedAt, Version);

    public WebhookDto ToDto() => new(Id, Url, Types, IsActive, Version, CreatedAt, UpdatedAt, DeliveredPosition, Failures, NextAttemptAt);
}
