using Cms.Application.Abstractions;
using Cms.Application.Common;
using Cms.Domain.Common;
using Mediator;

namespace Cms.Application.Calendar.GetClockSettings;

public sealed record GetClockSettingsQuery : IQuery<Result<ClockSettingsDto>>, IUseCaseMessage
{
    UseCase IUseCaseMessage.UseCase => UseCase.GetClockSettings;
}

internal sealed class GetClockSettingsHandler(ITenantClockRepository clocks) : IQueryHandler<GetClockSettingsQuery, Result<ClockSettingsDto>>
{
    public async ValueTask<Result<ClockSettingsDto>> Handle(GetClockSettingsQuery query, CancellationToken cancellationToken) =>
        ClockSettingsDto.From(await clocks.GetSettingsAsync(cancellationToken));
}
