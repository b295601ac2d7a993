using Cms.Application.Common;
using Cms.Domain.Common;
using Mediator;

namespace Cms.Application.Webhooks.ListWebhooks;

public sealed record ListWebhooksQuery(int? Limit, string? Cursor) : IQuery<Result<Page<WebhookDto>>>, IUseCaseMessage, IPagedRequest
{
    UseCase IUseCaseMessage.UseCase => UseCase.ListWebhooks;
}

public sealed class ListWebhooksValidator : IValidator<ListWebhooksQuery>
{
    public void Validate(ListWebhooksQuery request, ValidationErrors errors) => errors.Page(request);
}

internal sealed class ListWebhooksHandler(IWebhookQueries webhooks) : IQueryHandler<ListWebhooksQuery, Result<Page<WebhookDto>>>
{
    public async ValueTask<Result<Page<WebhookDto>>> Handle(ListWebhooksQuery query, CancellationToken cancellationToken) =>
        await webhooks.ListAsync(query.EffectiveLimit(), query.After(), cancellationToken);
}
