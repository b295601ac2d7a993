using Cms.Application.Common;
using Cms.Domain.Common;
using Mediator;

namespace Cms.Application.Consumers.GetConsumer;

public sealed record GetConsumerQuery(Guid Id) : IQuery<Result<ConsumerDto>>, IUseCaseMessage
{
    UseCase IUseCaseMessage.UseCase => UseCase.GetConsumer;
}

internal sealed class GetConsumerHandler(IConsumerQueries consumers) : IQueryHandler<GetConsumerQuery, Result<ConsumerDto>>
{
    public async ValueTask<Result<ConsumerDto>> Handle(GetConsumerQuery query, CancellationToken cancellationToken) =>
        await consumers.GetAsync(query.Id, cancellationToken) is { } consumer ? consumer : Error.NotFound("consumer");
}
