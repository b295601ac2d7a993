using Cms.Application.Abstractions;
using Cms.Application.Audit;
using Cms.Application.Common;
using Cms.Domain.Common;
using Cms.Domain.Regulation;
using Mediator;

namespace Cms.Application.Calendar.SetClosureDay;

public sealed record SetClosureDayCommand(DateOnly Date, string? Name) : ICommand<Result<ClosureDayDto>>, IUseCaseMessage
{
    UseCase IUseCaseMessage.UseCase => UseCase.SetClosureDay;
}

public sealed class SetClosureDayValidator : IValidator<SetClosureDayCommand>
{
    public void Validate(SetClosureDayCommand request, ValidationErrors errors)
    {
        if (ClosureDay.Check(request.Date, request.Name) is { Fields: { } fields })
        {
            foreach (var (field, messages) in fields)
            {
                foreach (var message in messages)
                {
                    errors.Add(field, message);
                }
            }
        }
    }
}

internal sealed class SetClosureDayHandler(ITenantClockRepository clocks, TenantScope scope, AuditTrail audit, TimeProvider clock)
    : ICommandHandler<SetClosureDayCommand, Result<ClosureDayDto>>
{
    public async ValueTask<Result<ClosureDayDto>> Handle(SetClosureDayCommand command, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var name = command.Name!.Trim();
        var existing = await clocks.GetClosureDayAsync(command.Date, cancellationToken);
        ClosureDay day;
        if (existing is null)
        {
            day = new ClosureDay(Ids.New(), scope.Required, command.Date, name, true, now);
            await clocks.AddClosureDayAsync(day, cancellationToken);
            await audit.RecordAsync("calendar.closure_day_added", AuditTrail.ClosureDay, day.Id, AuditTrail.UnversionedEntity, ["date", "name"], cancellationToken);
        }
        else if (!existing.Active || existing.Name != name)
        {
            day = existing with { Name = name, Active = true, UpdatedAt = now };
            await clocks.UpdateClosureDayAsync(day, cancellationToken);
            await audit.RecordAsync(existing.Active ? "calendar.closure_day_renamed" : "calendar.closure_day_added", AuditTrail.ClosureDay, day.Id, AuditTrail.UnversionedEntity,
                existing.Active ? ["name"] : ["active", "name"], cancellationToken);
        }
        else
        {
            day = existing;
        }

        return new ClosureDayDto(day.Id, day.Date, day.Name);
    }
}
