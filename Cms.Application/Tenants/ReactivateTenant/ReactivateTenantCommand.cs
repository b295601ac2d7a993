using Cms.Application.Abstractions;
using Cms.Application.Audit;
using Cms.Application.Common;
using Cms.Domain.Common;
using Mediator;

namespace Cms.Application.Tenants.ReactivateTenant;

/// <summary>
/// <c>POST /v1/tenants/{id}/reactivate</c> (platform operators): ends a suspension; the tenant's principals are
/// served again from their next request and its waiting webhook deliveries resume.
/// </summary>
public sealed record ReactivateTenantCommand(Guid TenantId, string? Reason) : ICommand<Result<TenantDto>>, IUseCaseMessage
{
    UseCase IUseCaseMessage.UseCase => UseCase.ReactivateTenant;
}

public sealed class ReactivateTenantValidator : IValidator<ReactivateTenantCommand>
{
    public void Validate(ReactivateTenantCommand request, ValidationErrors errors) =>
        TenantStatusChange.Validate(request.TenantId, request.Reason, errors);
}

internal sealed class ReactivateTenantHandler(ITenantRepository tenants, TenantScope scope, AuditTrail audit,
    PlatformAudit.PlatformAuditTrail platformAudit, TimeProvider clock)
    : ICommandHandler<ReactivateTenantCommand, Result<TenantDto>>
{
    public async ValueTask<Result<TenantDto>> Handle(ReactivateTenantCommand command, CancellationToken cancellationToken)
    {
        var changed = await TenantStatusChange.ApplyAsync(tenants, scope, command.TenantId,
            t => t.Reactivate(command.Reason!, clock.GetUtcNow()), refuseOffboarding: true, cancellationToken);
        if (!changed.IsSuccess)
        {
            return changed.Error;
        }

        await audit.RecordAsync("tenant.reactivated", AuditTrail.Tenant, command.TenantId, AuditTrail.UnversionedEntity, TenantStatusChange.ChangedFields,
            cancellationToken);
        await platformAudit.RecordAsync(PlatformAudit.PlatformAuditTrail.Reactivated, command.TenantId, null, cancellationToken);
        return TenantDto.From(changed.Value);
    }
}
