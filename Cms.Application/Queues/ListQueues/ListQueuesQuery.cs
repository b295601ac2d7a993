using Cms.Application.Common;
using Cms.Domain.Common;
using Mediator;

namespace Cms.Application.Queues.ListQueues;

/// <summary>The tenant's queues, oldest first, keyset paged (agent+, auditor): retired ones included, marked.</summary>
public sealed record ListQueuesQuery(int? Limit, string? Cursor) : IQuery<Result<Page<QueueDto>>>, IUseCaseMessage, IPagedRequest
{
    UseCase IUseCaseMessage.UseCase => UseCase.ListQueues;
}

public sealed class ListQueuesValidator : IValidator<ListQueuesQuery>
{
    public void Validate(ListQueuesQuery request, ValidationErrors errors) => errors.Page(request, orderedByInstant: true);
}

internal sealed class ListQueuesHandler(IQueueQueries queues) : IQueryHandler<ListQueuesQuery, Result<Page<QueueDto>>>
{
    public async ValueTask<Result<Page<QueueDto>>> Handle(ListQueuesQuery query, CancellationToken cancellationToken) =>
        await queues.ListAsync(query.EffectiveLimit(), query.After(), cancellationToken);
}
