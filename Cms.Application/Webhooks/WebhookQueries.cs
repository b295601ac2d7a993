using Cms.Application.Abstractions;
using Cms.Application.Common;
using Cms.Domain.Common;
using Mediator;

namespace Cms.Application.Webhooks;

public sealed record GetWebhookQuery(Guid WebhookId) : IQuery<Result<WebhookDto>>, IUseCaseMessage
{
    UseCase IUseCaseMessage.UseCase => UseCase.GetWebhook;
}

public sealed class GetWebhookValidator : IValidator<GetWebhookQuery>
{
    public void Validate(GetWebhookQuery request, ValidationErrors errors) => errors.Id("id", request.WebhookId);
}

public sealed class GetWebhookHandler(IWebhookQueries webhooks) : IQueryHandler<GetWebhookQuery, Result<WebhookDto>>
{
    public async ValueTask<Result<WebhookDto>> Handle(GetWebhookQuery query, CancellationToken cancellationToken) =>
        await webhooks.GetAsync(query.WebhookId, cancellationToken) is { } found ? found : Error.NotFound("webhook");
}

public sealed record ListWebhooksQuery(int? Limit, string? Cursor) : IQuery<Result<Page<WebhookDto>>>, IUseCaseMessage, IPagedRequest
{
    UseCase IUseCaseMessage.UseCase => UseCase.ListWebhooks;
}

public sealed class ListWebhooksValidator : IValidator<ListWebhooksQuery>
{
    public void Validate(ListWebhooksQuery request, ValidationErrors errors) => errors.Page(request);
}

public sealed class ListWebhooksHandler(IWebhookQueries webhooks) : IQueryHandler<ListWebhooksQuery, Result<Page<WebhookDto>>>
{
    public async ValueTask<Result<Page<WebhookDto>>> Handle(ListWebhooksQuery query, CancellationToken cancellationToken) =>
        await webhooks.ListAsync(query.EffectiveLimit(), query.After(), cancellationToken);
}

/// <summary>The delivery attempts of one endpoint, oldest first.</summary>
public sealed record ListWebhookAttemptsQuery(Guid WebhookId, int? Limit, string? Cursor)
    : IQuery<Result<Page<WebhookAttemptDto>>>, IUseCaseMessage, IPagedRequest
{
    UseCase IUseCaseMessage.UseCase => UseCase.ListWebhookAttempts;
}

public sealed class ListWebhookAttemptsValidator : IValidator<ListWebhookAttemptsQuery>
{
    public void Validate(ListWebhookAttemptsQuery request, ValidationErrors errors)
    {
        errors.Id("id", request.WebhookId);
        errors.Page(request, orderedByInstant: true);
    }
}

public sealed class ListWebhookAttemptsHandler(IWebhookQueries webhooks)
    : IQueryHandler<ListWebhookAttemptsQuery, Result<Page<WebhookAttemptDto>>>
{
    public async ValueTask<Result<Page<WebhookAttemptDto>>> Handle(ListWebhookAttemptsQuery query, CancellationToken cancellationToken)
    {
        if (await webhooks.GetAsync(query.WebhookId, cancellationToken) is null)
        {
            return Error.NotFound("webhook");
        }

        return await webhooks.ListAttemptsAsync(query.WebhookId, query.EffectiveLimit(), query.After(), cancellationToken);
    }
}
