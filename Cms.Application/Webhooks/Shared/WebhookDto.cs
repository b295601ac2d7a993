using Cms.Application.Common;
using Cms.Domain.Webhooks;

namespace Cms.Application.Webhooks;

/// <summary>A webhook endpoint with its delivery state. The secret is never part of it.</summary>
/// <param name="DeliveredPosition">The last feed position handed over (or given up on); the next delivery is the first
/// matching event after it.</param>
/// <param name="Failures">Failed passes of the event at the head of the queue (0 when healthy).</param>
public sealed record WebhookDto(
    Guid Id,
    string Url,
    IReadOnlyList<string> EventTypes,
    bool Active,
    long Version,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    long DeliveredPosition,
    int Failures,
    DateTimeOffset NextAttemptAt) : IVersionedResource;

/// <summary>The answer to creating an endpoint: the only time the signing secret is shown.</summary>
public sealed record WebhookCreatedDto(WebhookDto Webhook, string Secret) : IVersionedResource
{
    long IVersionedResource.Version => Webhook.Version;
}

/// <summary>One delivery attempt of one event to one endpoint.</summary>
/// <param name="Outcome"><c>delivered</c>, <c>failed</c> (will be retried) or <c>given_up</c> (the last failure before the
/// endpoint moved on; replayable).</param>
public sealed record WebhookAttemptDto(
    Guid Id,
    long EventPosition,
    Guid EventId,
    int Attempt,
    DateTimeOffset AttemptedAt,
    string Outcome,
    int? StatusCode,
    string? Error,
    long DurationMs);

internal static class WebhookRules
{
    public const int MinSecretLength = 24;
    public const int MaxSecretLength = 256;

    public static void CheckEventTypes(Common.ValidationErrors errors, IReadOnlyList<string>? eventTypes, bool required)
    {
        if (eventTypes is null)
        {
            if (required)
            {
                errors.Add("eventTypes", "'eventTypes' is required: event types such as \"complaint.filed\", families such as \"complaint.*\", or \"*\".");
            }

            return;
        }

        if (eventTypes.Count == 0 || eventTypes.Count > WebhookEndpoint.MaxEventTypes)
        {
            errors.Add("eventTypes", $"'eventTypes' must hold between 1 and {WebhookEndpoint.MaxEventTypes} entries.");
            return;
        }

        if (eventTypes.Any(t => !WebhookEndpoint.IsValidPattern(t)))
        {
            errors.Add("eventTypes", "Each event type is \"entity.action\", \"entity.*\" or \"*\" (lower case).");
        }
    }

    public static void CheckSecret(Common.ValidationErrors errors, string? secret)
    {
        if (secret is null)
        {
            return;
        }

        if (secret.Length < MinSecretLength || secret.Length > MaxSecretLength || secret.Any(c => c < '!' || c > '~'))
        {
            errors.Add("secret", $"'secret' must be {MinSecretLength} to {MaxSecretLength} printable ASCII characters without spaces.");
        }
    }

    public static string NewSecret() =>
        "whsec_" + System.Buffers.Text.Base64Url.EncodeToString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
}
