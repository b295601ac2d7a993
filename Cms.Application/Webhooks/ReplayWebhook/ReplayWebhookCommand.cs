using Cms.Application.Audit;
using Cms.Application.Common;
using Cms.Domain.Common;
using Mediator;

namespace Cms.Application.Webhooks.ReplayWebhook;

/// <summary>
/// Delivers again from a feed position: the endpoint's cursor moves back to just before <see cref="FromPosition"/> and
/// every matching event from there is delivered again, in order (receivers deduplicate by event id). Also moves a
/// cursor forward (skipping events) when the position is beyond it.
/// </summary>
public sealed record ReplayWebhookCommand(Guid WebhookId, long? FromPosition) : ICommand<Result<WebhookDto>>, IUseCaseMessage
{
    UseCase IUseCaseMessage.UseCase => UseCase.ReplayWebhook;
}

public sealed class ReplayWebhookValidator : IValidator<ReplayWebhookCommand>
{
    public void Validate(ReplayWebhookCommand request, ValidationErrors errors)
    {
        errors.Id("id", request.WebhookId);
        if (request.FromPosition is not > 0)
        {
            errors.Add("fromPosition", "'fromPosition' is required: the first feed position to deliver again (1 or more).");
        }
    }
}

internal sealed class ReplayWebhookHandler(IWebhookRepository webhooks, AuditTrail audit)
    : ICommandHandler<ReplayWebhookCommand, Result<WebhookDto>>
{
    public async ValueTask<Result<WebhookDto>> Handle(ReplayWebhookCommand command, CancellationToken cancellationToken)
    {
        var endpoint = await webhooks.GetForUpdateAsync(command.WebhookId, cancellationToken);
        if (endpoint is null)
        {
            return Error.NotFound("webhook");
        }

        await webhooks.RewindAsync(endpoint.Id, command.FromPosition!.Value - 1, cancellationToken);
        await audit.RecordAsync("webhook.replayed", AuditTrail.Webhook, endpoint.Id, endpoint.Version, ["deliveredPosition"],
            cancellationToken);
        return webhooks.AsWritten(endpoint); // no read back (docs/adr/0011)
    }
}
