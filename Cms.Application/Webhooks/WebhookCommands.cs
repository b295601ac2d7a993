using Cms.Application.Abstractions;
using Cms.Application.Audit;
using Cms.Application.Common;
using Cms.Domain.Common;
using Cms.Domain.Webhooks;
using Mediator;

namespace Cms.Application.Webhooks;

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

public sealed class CreateWebhookHandler(IWebhookRepository webhooks, IWebhookQueries queries, TenantScope scope, AuditTrail audit,
    TimeProvider clock) : ICommandHandler<CreateWebhookCommand, Result<WebhookCreatedDto>>
{
    public async ValueTask<Result<WebhookCreatedDto>> Handle(CreateWebhookCommand command, CancellationToken cancellationToken)
    {
        var endpoint = WebhookEndpoint.Create(Ids.New(), scope.Required, command.Url!, command.EventTypes!, clock.GetUtcNow());
        var secret = command.Secret ?? WebhookRules.NewSecret();
        await webhooks.AddAsync(endpoint, secret, command.After, cancellationToken);
        await audit.RecordAsync("webhook.created", AuditTrail.Webhook, endpoint.Id, endpoint.Version, ["url", "eventTypes", "secret"],
            cancellationToken);
        return new WebhookCreatedDto((await queries.GetAsync(endpoint.Id, cancellationToken))!, secret);
    }
}

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

public sealed class UpdateWebhookHandler(IWebhookRepository webhooks, IWebhookQueries queries, AuditTrail audit, TimeProvider clock)
    : ICommandHandler<UpdateWebhookCommand, Result<WebhookDto>>
{
    public async ValueTask<Result<WebhookDto>> Handle(UpdateWebhookCommand command, CancellationToken cancellationToken)
    {
        var endpoint = await webhooks.GetAsync(command.WebhookId, cancellationToken);
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

        return (await queries.GetAsync(endpoint.Id, cancellationToken))!;
    }
}

/// <summary>Deletes an endpoint: deliveries stop at once; its attempts stay on record.</summary>
public sealed record DeleteWebhookCommand(Guid WebhookId) : ICommand<Result<WebhookDto>>, IUseCaseMessage
{
    UseCase IUseCaseMessage.UseCase => UseCase.DeleteWebhook;
}

public sealed class DeleteWebhookValidator : IValidator<DeleteWebhookCommand>
{
    public void Validate(DeleteWebhookCommand request, ValidationErrors errors) => errors.Id("id", request.WebhookId);
}

public sealed class DeleteWebhookHandler(IWebhookRepository webhooks, AuditTrail audit, TimeProvider clock)
    : ICommandHandler<DeleteWebhookCommand, Result<WebhookDto>>
{
    public async ValueTask<Result<WebhookDto>> Handle(DeleteWebhookCommand command, CancellationToken cancellationToken)
    {
        var endpoint = await webhooks.GetAsync(command.WebhookId, cancellationToken);
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

public sealed class ReplayWebhookHandler(IWebhookRepository webhooks, IWebhookQueries queries, AuditTrail audit)
    : ICommandHandler<ReplayWebhookCommand, Result<WebhookDto>>
{
    public async ValueTask<Result<WebhookDto>> Handle(ReplayWebhookCommand command, CancellationToken cancellationToken)
    {
        var endpoint = await webhooks.GetAsync(command.WebhookId, cancellationToken);
        if (endpoint is null)
        {
            return Error.NotFound("webhook");
        }

        await webhooks.RewindAsync(endpoint.Id, command.FromPosition!.Value - 1, cancellationToken);
        await audit.RecordAsync("webhook.replayed", AuditTrail.Webhook, endpoint.Id, endpoint.Version, ["deliveredPosition"],
            cancellationToken);
        return (await queries.GetAsync(endpoint.Id, cancellationToken))!;
    }
}
