using Cms.Application.Common;
using Cms.Domain.Common;
using Mediator;

namespace Cms.Application.Webhooks.GetWebhook;

public sealed record GetWebhookQuery(Guid WebhookId) : IQuery<Result<WebhookDto>>, IUseCaseMessage
{
    UseCase IUseCaseMessage.UseCase => UseCase.GetWebhook;
}

public sealed class GetWebhookValidator : IValidator<GetWebhookQuery>
{
    public void Validate(GetWebhookQuery request, ValidationErrors errors) => errors.Id("id", request.WebhookId);
}

internal sealed class GetWebhookHandler(IWebhookQueries webhooks) : IQueryHandler<GetWebhookQuery, Result<WebhookDto>>
{
    public async ValueTask<Result<WebhookDto>> Handle(GetWebhookQuery query, CancellationToken cancellationToken) =>
        await webhooks.GetAsync(query.WebhookId, cancellationToken) is { } found ? found : Error.NotFound("webhook");
}
