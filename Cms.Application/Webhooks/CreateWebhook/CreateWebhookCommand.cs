using Cms.Application.Abstractions;
using Cms.Application.Audit;
using Cms.Application.Common;
using Cms.Domain.Common;
using Cms.Domain.Webhooks;
using Mediator;

namespace Cms.Application.Webhooks.CreateWebhook;

/// <summary>Registers an endpoint. Without <see cref="Secret"/> one is generated; either way it is answered once.
/// <see cref="After"/> is the feed position to start after (default: the current end of the feed, so only new events).</summary>
public sealed record CreateWebhookCommand(string? Url, IReadOnlyList<string>? EventTypes, string? Secret, long? After)
    : ICommand<Result<WebhookCreatedDto>>, IUseCaseMessage
{
    UseCase IUseCaseMessage.UseCase => UseCase.CreateWebhook;

    public override string ToString() => $"CreateWebhookCommand {{ EventTypes = {EventTypes?.Count}, Secret = {(Secret is null ? "none" : "***")} }}";
}

public sealed class CreateWebhookValidator(WebhookOptions options) : IValidator<CreateWebhookCommand>
{
    public void Validate(CreateWebhookCommand request, ValidationErrors errors)
    {
        if (WebhookUrlPolicy.Problem(request.Url, options.AllowLoopback) is { } problem)
        {
            errors.Add("url", problem);
        }

        WebhookRules.CheckEventTypes(errors, request.EventTypes, required: true);
        WebhookRules.CheckSecret(errors, request.Secret);
        if (request.After is < 0)
        {
            errors.Add("after", "'after' must be a position of the feed (0 or more).");
        }
    }
}

internal sealed class CreateWebhookHandler(IWebhookRepository webhooks, TenantScope scope, AuditTrail audit,
    TimeProvider clock) : ICommandHandler<CreateWebhookCommand, Result<WebhookCreatedDto>>
{
    public async ValueTask<Result<WebhookCreatedDto>> Handle(CreateWebhookCommand command, CancellationToken cancellationToken)
    {
        var endpoint = WebhookEndpoint.Create(Ids.New(), scope.Required, command.Url!, command.EventTypes!, clock.GetUtcNow());
        var secret = command.Secret ?? WebhookRules.NewSecret();
        await webhooks.AddAsync(endpoint, secret, command.After, cancellationToken);
        await audit.RecordAsync("webhook.created", AuditTrail.Webhook, endpoint.Id, endpoint.Version, ["url", "eventTypes", "secret"],
            cancellationToken);
        return new WebhookCreatedDto(webhooks.AsWritten(endpoint), secret); // no read back (docs/adr/0011)
    }
}
