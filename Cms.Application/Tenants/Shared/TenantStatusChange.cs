using System.ComponentModel.DataAnnotations;
using Cms.Application.Abstractions;
using Cms.Application.Common;
using Cms.Domain.Common;
using Cms.Domain.Tenants;

namespace Cms.Application.Tenants;

/// <summary>The body of <c>POST /v1/tenants/{id}/suspend</c> and <c>/reactivate</c>: <c>{reason}</c>.</summary>
public sealed record TenantStatusChangeInput([Required] string? Reason);

/// <summary>
/// What suspension and reactivation share: the input rules, and the change itself. Only the registry row changes:
/// nothing of the tenant's data is touched or deleted. The change is recorded in the tenant's own audit trail (as its
/// creation is), entered for that one write.
/// </summary>
internal static class TenantStatusChange
{
    /// <summary>The fields a status change records in the audit trail.</summary>
    public static readonly string[] ChangedFields = ["status", "statusReason"];

    public static void Validate(Guid tenantId, string? reason, ValidationErrors errors)
    {
        errors.Id("id", tenantId);
        errors.Required("reason", reason, Tenant.MaxStatusReasonLength);
    }

    /// <summary>Loads the tenant, applies <paramref name="change"/> and stores it; on success the tenant is in scope for its
    /// audit entry. With <paramref name="refuseOffboarding"/> a tenant whose deletion has begun is refused first (409).</summary>
    public static async ValueTask<Result<Tenant>> ApplyAsync(ITenantRepository tenants, TenantScope scope, Guid tenantId,
        Func<Tenant, Result<Tenant>> change, bool refuseOffboarding, CancellationToken cancellationToken)
    {
        var registration = await tenants.GetRegistrationAsync(tenantId, forStatusChange: true, cancellationToken);
        if (refuseOffboarding && registration.OffboardingBegun)
        {
            return Error.Conflict("tenant.offboarding", "This tenant is being deleted (its keys are destroyed): it cannot be reactivated.");
        }

        if (registration.Tenant is not { } tenant)
        {
            return Error.NotFound("tenant");
        }

        var before = tenant.Status;
        var changed = change(tenant);
        if (!changed.IsSuccess)
        {
            return changed.Error;
        }

        if (!await tenants.UpdateStatusAsync(tenant, before, cancellationToken))
        {
            return Error.Conflict("tenant.status_changed", "Another operator changed this tenant's status meanwhile; read it again.");
        }

        scope.Enter(tenant.Id);
        return tenant;
    }
}
