using Cms.Application.Audit;
using Cms.Application.Common;
using Cms.Domain.Common;
using Mediator;

namespace Cms.Application.Webhooks.UpdateWebhook;

/// <summary>Changes an endpoint: what is given changes, the rest stays. A new <see cref="Secret"/> replaces the old at once.</summary>
public sealed record UpdateWebhookCommand(Guid WebhookId, string? Url, IReadOnlyList<string>? EventTypes, bool? Active, string? Secret,
    long? ExpectedVersion) : ICommand<Result<WebhookDto>>, IUseCaseMessage
{
    UseCase IUseCaseMessage.UseCase => UseCase.UpdateWebhook;

    public override string ToString() => $"UpdateWebhookCommand {{ WebhookId = {WebhookId}, Secret = {(Secret is null ? "unchanged" : "***")} }}";
}

public sealed class UpdateWebhookValidator(WebhookOptions options) : IValidator<UpdateWebhookCommand>
{
    public void Validate(UpdateWebhookCommand request, ValidationErrors errors)
    {
        errors.Id("id", request.WebhookId);
        if (request.Url is not null && WebhookUrlPolicy.Problem(request.Url, options.AllowLoopback) is { } problem)
        {
            errors.Add("url", problem);
        }

        WebhookRules.CheckEventTypes(errors, request.EventTypes, required: false);
        WebhookRules.CheckSecret(errors, request.Secret);
    }
}

internal sealed class UpdateWebhookHandler(IWebhookRepository webhooks, AuditTrail audit, TimeProvider clock)
    : ICommandHandler<UpdateWebhookCommand, Result<WebhookDto>>
{
    public async ValueTask<Result<WebhookDto>> Handle(UpdateWebhookCommand command, CancellationToken cancellationToken)
    {
        var endpoint = await webhooks.GetForUpdateAsync(command.WebhookId, cancellationToken);
        if (endpoint is null)
        {
            return Error.NotFound("webhook");
        }

        if (command.ExpectedVersion is { } expected && expected != endpoint.Version)
        {
            return Error.StaleVersion(expected, endpoint.Version);
        }

        var version = endpoint.Version;
        var changed = endpoint.Update(command.Url, command.EventTypes, command.Active, command.Secret is not null, clock.GetUtcNow());
        if (changed.Count > 0)
        {
            if (!await webhooks.UpdateAsync(endpoint, version, command.Secret, cancellationToken))
            {
                return Error.StaleVersion(version, version + 1);
            }

            await audit.RecordAsync("webhook.updated", AuditTrail.Webhook, endpoint.Id, endpoint.Version, changed, cancellationToken);
        }

        return webhooks.AsWritten(endpoint); // no read back (docs/adr/0011)
    }
}
