using Cms.Application.Abstractions;
using Cms.Application.Audit;
using Cms.Application.Common;
using Cms.Domain.Common;
using Mediator;

namespace Cms.Application.Tenants.SuspendTenant;

/// <summary>
/// <c>POST /v1/tenants/{id}/suspend</c> (platform operators): the tenant's principals are refused with 403
/// <c>tenant.suspended</c> from their next request, its webhooks and jobs pause, nothing is deleted.
/// </summary>
public sealed record SuspendTenantCommand(Guid TenantId, string? Reason) : ICommand<Result<TenantDto>>, IUseCaseMessage
{
    UseCase IUseCaseMessage.UseCase => UseCase.SuspendTenant;
}

public sealed class SuspendTenantValidator : IValidator<SuspendTenantCommand>
{
    public void Validate(SuspendTenantCommand request, ValidationErrors errors) =>
        TenantStatusChange.Validate(request.TenantId, request.Reason, errors);
}

internal sealed class SuspendTenantHandler(ITenantRepository tenants, TenantScope scope, AuditTrail audit,
    PlatformAudit.PlatformAuditTrail platformAudit, TimeProvider clock)
    : ICommandHandler<SuspendTenantCommand, Result<TenantDto>>
{
    public async ValueTask<Result<TenantDto>> Handle(SuspendTenantCommand command, CancellationToken cancellationToken)
    {
        var changed = await TenantStatusChange.ApplyAsync(tenants, scope, command.TenantId,
            t => t.Suspend(command.Reason!, clock.GetUtcNow()), refuseOffboarding: false, cancellationToken);
        if (!changed.IsSuccess)
        {
            return changed.Error;
        }

        await audit.RecordAsync("tenant.suspended", AuditTrail.Tenant, command.TenantId, AuditTrail.UnversionedEntity, TenantStatusChange.ChangedFields,
            cancellationToken);
        await platformAudit.RecordAsync(PlatformAudit.PlatformAuditTrail.Suspended, command.TenantId, null, cancellationToken);
        return TenantDto.From(changed.Value);
    }
}
