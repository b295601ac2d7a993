using Cms.Domain.Webhooks;

namespace Cms.Application.Webhooks;

/// <summary>Webhook endpoints of the tenant in scope (deleted ones are not found). The secret goes in sealed and never comes out here.</summary>
public interface IWebhookRepository
{
    /// <summary>Stores a new endpoint; deliveries start after <paramref name="after"/> or, when null, after the current end of the feed.</summary>
    Task AddAsync(WebhookEndpoint endpoint, string secret, long? after, CancellationToken cancellationToken);

    Task<WebhookEndpoint?> GetAsync(Guid id, CancellationToken cancellationToken);

    /// <summary>The endpoint for a command that changes it: on PostgreSQL locked until the transaction ends (the version read
    /// is the one <see cref="UpdateAsync"/> finds; the dispatcher's delivery state cannot move meanwhile).</summary>
    Task<WebhookEndpoint?> GetForUpdateAsync(Guid id, CancellationToken cancellationToken);

    /// <summary>The endpoint as a read gives it once this request's writes commit: built from what was written and the delivery
    /// state read with it (<see cref="GetForUpdateAsync"/>, <see cref="AddAsync"/>, <see cref="RewindAsync"/>), not read back.</summary>
    WebhookDto AsWritten(WebhookEndpoint endpoint);

    /// <summary>Saves the endpoint (and a new secret when given) if its stored version is still the expected one.</summary>
    Task<bool> UpdateAsync(WebhookEndpoint endpoint, long expectedVersion, string? newSecret, CancellationToken cancellationToken);

    /// <summary>Moves the delivery cursor to <paramref name="deliveredPosition"/>, clears failures and makes it due now.</summary>
    Task RewindAsync(Guid id, long deliveredPosition, CancellationToken cancellationToken);
}
