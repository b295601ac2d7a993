using Cms.Application.Common;
using Cms.Domain.Common;
using Mediator;

namespace Cms.Application.Queues.GetQueue;

/// <summary>One queue of the caller's tenant, retired or not (where POST /v1/queues's Location points).</summary>
public sealed record GetQueueQuery(Guid Id) : IQuery<Result<QueueDto>>, IUseCaseMessage
{
    UseCase IUseCaseMessage.UseCase => UseCase.GetQueue;
}

public sealed class GetQueueValidator : IValidator<GetQueueQuery>
{
    public void Validate(GetQueueQuery request, ValidationErrors errors) => errors.Id("id", request.Id);
}

internal sealed class GetQueueHandler(IQueueQueries queues) : IQueryHandler<GetQueueQuery, Result<QueueDto>>
{
    public async ValueTask<Result<QueueDto>> Handle(GetQueueQuery query, CancellationToken cancellationToken) =>
        await queues.GetAsync(query.Id, cancellationToken) is { } queue ? queue : Error.NotFound("queue");
}
