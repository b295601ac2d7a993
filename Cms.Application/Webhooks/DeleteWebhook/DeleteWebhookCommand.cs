using Cms.Application.Audit;
using Cms.Application.Common;
using Cms.Domain.Common;
using Mediator;

namespace Cms.Application.Webhooks.DeleteWebhook;

/// <summary>Deletes an endpoint: deliveries stop at once; its attempts stay on record.</summary>
public sealed record DeleteWebhookCommand(Guid WebhookId) : ICommand<Result<WebhookDto>>, IUseCaseMessage
{
    UseCase IUseCaseMessage.UseCase => UseCase.DeleteWebhook;
}

public sealed class DeleteWebhookValidator : IValidator<DeleteWebhookCommand>
{
    public void Validate(DeleteWebhookCommand request, ValidationErrors errors) => errors.Id("id", request.WebhookId);
}

internal sealed class DeleteWebhookHandler(IWebhookRepository webhooks, AuditTrail audit, TimeProvider clock)
    : ICommandHandler<DeleteWebhookCommand, Result<WebhookDto>>
{
    public async ValueTask<Result<WebhookDto>> Handle(DeleteWebhookCommand command, CancellationToken cancellationToken)
    {
        var endpoint = await webhooks.GetForUpdateAsync(command.WebhookId, cancellationToken);
        if (endpoint is null)
        {
            return Error.NotFound("webhook");
        }

        var version = endpoint.Version;
        endpoint.Delete(clock.GetUtcNow());
        if (!await webhooks.UpdateAsync(endpoint, version, null, cancellationToken))
        {
            return Error.StaleVersion(version, version + 1);
        }

        await audit.RecordAsync("webhook.deleted", AuditTrail.Webhook, endpoint.Id, endpoint.Version, ["deleted"], cancellationToken);
        return new WebhookDto(endpoint.Id, endpoint.Url, endpoint.EventTypes, false, endpoint.Version, endpoint.CreatedAt, endpoint.UpdatedAt,
            0, 0, endpoint.UpdatedAt);
    }
}
