using Cms.Application.Abstractions;
using Cms.Application.Audit;
using Cms.Application.Common;
using Cms.Domain.Common;
using Cms.Domain.Regulation;
using Mediator;

namespace Cms.Application.Calendar.UpdateClockSettings;

/// <summary>Replaces the tenant's clock settings; <paramref name="InternalSla"/> null means no internal SLA.</summary>
public sealed record UpdateClockSettingsCommand(InternalSlaDto? InternalSla, int? AtRiskDays) : ICommand<Result<ClockSettingsDto>>, IUseCaseMessage
{
    UseCase IUseCaseMessage.UseCase => UseCase.UpdateClockSettings;
}

public sealed class UpdateClockSettingsValidator : IValidator<UpdateClockSettingsCommand>
{
    public void Validate(UpdateClockSettingsCommand request, ValidationErrors errors)
    {
        if (request.InternalSla is { } sla)
        {
            if (sla.Amount < 1 || sla.Amount > Domain.Regulation.InternalSla.MaxDays)
            {
                errors.Add("internalSla.amount", $"'internalSla.amount' must be between 1 and {Domain.Regulation.InternalSla.MaxDays}.");
            }

            errors.Defined("internalSla.unit", (ClockUnit?)sla.Unit);
        }

        if (request.AtRiskDays is { } days && (days < 0 || days > ClockSettings.MaxAtRiskDays))
        {
            errors.Add("atRiskDays", $"'atRiskDays' must be between 0 and {ClockSettings.MaxAtRiskDays}.");
        }
    }
}

internal sealed class UpdateClockSettingsHandler(ITenantClockRepository clocks, TenantScope scope, AuditTrail audit, TimeProvider clock)
    : ICommandHandler<UpdateClockSettingsCommand, Result<ClockSettingsDto>>
{
    public async ValueTask<Result<ClockSettingsDto>> Handle(UpdateClockSettingsCommand command, CancellationToken cancellationToken)
    {
        var before = await clocks.GetSettingsAsync(cancellationToken);
        var after = new ClockSettings(command.InternalSla is { } sla ? new InternalSla(sla.Amount, sla.Unit) : null,
            command.AtRiskDays ?? before.AtRiskDays);
        if (after != before)
        {
            await clocks.SaveSettingsAsync(after, clock.GetUtcNow(), cancellationToken);
            List<string> changed = [];
            if (after.InternalSla != before.InternalSla)
            {
                changed.Add("internalSla");
            }

            if (after.AtRiskDays != before.AtRiskDays)
            {
                changed.Add("atRiskDays");
            }

            await audit.RecordAsync("settings.clocks_updated", AuditTrail.Tenant, scope.Required, AuditTrail.UnversionedEntity, changed, cancellationToken);
        }

        return ClockSettingsDto.From(after);
    }
}
