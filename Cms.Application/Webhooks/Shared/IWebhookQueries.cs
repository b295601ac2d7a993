using Cms.Application.Common;

namespace Cms.Application.Webhooks;

public interface IWebhookQueries
{
    Task<WebhookDto?> GetAsync(Guid id, CancellationToken cancellationToken);

    Task<Page<WebhookDto>> ListAsync(int limit, CursorKey? after, CancellationToken cancellationToken);

    Task<Page<WebhookAttemptDto>> ListAttemptsAsync(Guid endpointId, int limit, CursorKey? after,
        CancellationToken cancellationToken);
}
