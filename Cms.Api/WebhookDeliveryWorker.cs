using Cms.Application.Webhooks;
using Cms.Infrastructure.Webhooks;

namespace Cms.Api;

/// <summary>
/// Runs webhook delivery passes (<see cref="WebhookDispatcher"/>) every <see cref="WebhookOptions.PollInterval"/> while
/// the host runs, on every instance that has <c>Cms:Webhooks:DeliveryEnabled</c>; the dispatcher's leases keep
/// instances from delivering the same endpoint at once. A failed pass is logged (no personal data) and the next runs.
/// </summary>
public sealed partial class WebhookDeliveryWorker(WebhookDispatcher dispatcher, WebhookOptions options, ILogger<WebhookDeliveryWorker> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.DeliveryEnabled)
        {
            return;
        }

        await BackgroundPasses.RunAsync(options.PollInterval, firstAtStart: true, dispatcher.RunOnceAsync,
            errorType => LogPassFailed(logger, errorType), clock: null, stoppingToken);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook delivery pass failed: {ErrorType}")]
    private static partial void LogPassFailed(ILogger logger, string errorType);
}
