using Cms.Application.Common;
using Cms.Domain.Tenants;

namespace Cms.Application.Tenants.ChangeTenantStatus;

public sealed class SuspendTenantValidator : IValidator<SuspendTenantCommand>
{
    public void Validate(SuspendTenantCommand request, ValidationErrors errors) => TenantStatusChangeRules.Validate(request, errors);
}

public sealed class ReactivateTenantValidator : IValidator<ReactivateTenantCommand>
{
    public void Validate(ReactivateTenantCommand request, ValidationErrors errors) => TenantStatusChangeRules.Validate(request, errors);
}

internal static class TenantStatusChangeRules
{
    public static void Validate(ITenantStatusChange request, ValidationErrors errors)
    {
        errors.Id("id", request.TenantId);
        errors.Required("reason", request.Reason, Tenant.MaxStatusReasonLength);
    }
}
