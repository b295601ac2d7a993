using Cms.Application.Webhooks;

namespace Cms.Infrastructure.Webhooks;

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
