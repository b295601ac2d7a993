using Cms.Application.Abstractions;
using Cms.Application.Audit;
using Cms.Application.Common;
using Cms.Domain.Common;
using Mediator;

namespace Cms.Application.Calendar.RemoveClosureDay;

public sealed record RemoveClosureDayCommand(DateOnly Date) : ICommand<Result>, IUseCaseMessage
{
    UseCase IUseCaseMessage.UseCase => UseCase.RemoveClosureDay;
}

internal sealed class RemoveClosureDayHandler(ITenantClockRepository clocks, AuditTrail audit, TimeProvider clock)
    : ICommandHandler<RemoveClosureDayCommand, Result>
{
    public async ValueTask<Result> Handle(RemoveClosureDayCommand command, CancellationToken cancellationToken)
    {
        var existing = await clocks.GetClosureDayAsync(command.Date, cancellationToken);
        if (existing is not { Active: true })
        {
            return Error.NotFound("closure day");
        }

        await clocks.UpdateClosureDayAsync(existing with { Active = false, UpdatedAt = clock.GetUtcNow() }, cancellationToken);
        await audit.RecordAsync("calendar.closure_day_removed", AuditTrail.ClosureDay, existing.Id, AuditTrail.UnversionedEntity, ["active"], cancellationToken);
        return Result.Success();
    }
}
