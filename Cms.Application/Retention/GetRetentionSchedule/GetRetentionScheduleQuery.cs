using Cms.Application.Common;
using Cms.Domain.Common;
using Mediator;

namespace Cms.Application.Retention.GetRetentionSchedule;

public sealed record GetRetentionScheduleQuery : IQuery<Result<RetentionScheduleDto>>, IUseCaseMessage
{
    UseCase IUseCaseMessage.UseCase => UseCase.GetRetentionSchedule;
}

internal sealed class GetRetentionScheduleHandler(IRetentionStore store) : IQueryHandler<GetRetentionScheduleQuery, Result<RetentionScheduleDto>>
{
    public async ValueTask<Result<RetentionScheduleDto>> Handle(GetRetentionScheduleQuery query, CancellationToken cancellationToken) =>
        RetentionScheduleDto.From(await store.GetScheduleAsync(cancellationToken));
}
