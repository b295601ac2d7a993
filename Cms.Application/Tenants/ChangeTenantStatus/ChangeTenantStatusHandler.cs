using Cms.Application.Abstractions;
using Cms.Application.Audit;
using Cms.Domain.Common;
using Cms.Domain.Tenants;
using Mediator;

namespace Cms.Application.Tenants.ChangeTenantStatus;

/// <summary>
/// Changes the registry row only: nothing of the tenant's data is touched or deleted. The change is recorded in the
/// tenant's own audit trail (as its creation is), entered for that one write.
/// </summary>
public sealed class ChangeTenantStatusHandler(ITenantRepository tenants, TenantScope scope, AuditTrail audit, TimeProvider clock)
    : ICommandHandler<SuspendTenantCommand, Result<TenantDto>>, ICommandHandler<ReactivateTenantCommand, Result<TenantDto>>
{
    public ValueTask<Result<TenantDto>> Handle(SuspendTenantCommand command, CancellationToken cancellationToken) =>
        ChangeAsync(command, cancellationToken);

    public ValueTask<Result<TenantDto>> Handle(ReactivateTenantCommand command, CancellationToken cancellationToken) =>
        ChangeAsync(command, cancellationToken);

    private static readonly string[] ChangedFields = ["status", "statusReason"];

    private async ValueTask<Result<TenantDto>> ChangeAsync(ITenantStatusChange command, CancellationToken cancellationToken)
    {
        if (await tenants.GetAsync(command.TenantId, cancellationToken) is not { } tenant)
        {
            return Error.NotFound("tenant");
        }

        var before = tenant.Status;
        var changed = command.To == TenantStatus.Suspended
            ? tenant.Suspend(command.Reason!, clock.GetUtcNow())
            : tenant.Reactivate(command.Reason!, clock.GetUtcNow());
        if (!changed.IsSuccess)
        {
            return changed.Error;
        }

        if (!await tenants.UpdateStatusAsync(tenant, before, cancellationToken))
        {
            return Error.Conflict("tenant.status_changed", "Another operator changed this tenant's status meanwhile; read it again.");
        }

        scope.Enter(tenant.Id);
        if (command.To == TenantStatus.Suspended)
        {
            await audit.RecordAsync("tenant.suspended", AuditTrail.Tenant, tenant.Id, AuditTrail.UnversionedEntity, ChangedFields, cancellationToken);
        }
        else
        {
            await audit.RecordAsync("tenant.reactivated", AuditTrail.Tenant, tenant.Id, AuditTrail.UnversionedEntity, ChangedFields, cancellationToken);
        }

        return TenantDto.From(tenant);
    }
}
