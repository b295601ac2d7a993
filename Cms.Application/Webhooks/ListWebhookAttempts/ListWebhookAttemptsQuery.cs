using Cms.Application.Common;
using Cms.Domain.Common;
using Mediator;

namespace Cms.Application.Webhooks.ListWebhookAttempts;

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

internal sealed class ListWebhookAttemptsHandler(IWebhookQueries webhooks)
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
