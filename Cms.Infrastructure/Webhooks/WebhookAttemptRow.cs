using Cms.Infrastructure.Persistence;

namespace Cms.Infrastructure.Webhooks;

/// <summary>A webhook_attempts row: one delivery attempt of one event to one endpoint (written once).</summary>
internal sealed class WebhookAttemptRow
{
    public Guid TenantId { get; init; }
    public Guid Id { get; init; }
    public Guid EndpointId { get; init; }
    public long EventPosition { get; init; }
    public Guid EventId { get; init; }
    public int Attempt { get; init; }
    public DateTimeOffset AttemptedAt { get; init; }
    public string Outcome { get; init; } = "";
    public int? StatusCode { get; init; }
    public string? Error { get; init; }
    public long DurationMs { get; init; }

    public static readonly ColumnMap Map = new("webhook_attempts", keys: ["tenant_id", "id"],
        setOnce: ["endpoint_id", "event_position", "event_id", "attempt", "attempted_at", "outcome", "status_code", "error", "duration_ms"],
        mutable: []);
}
