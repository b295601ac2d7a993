using Cms.Application.Common;
using Cms.Domain.Common;

namespace Cms.Application.Tenants.CreateTenant;

public sealed class CreateTenantValidator : IValidator<CreateTenantCommand>
{
    public void Validate(CreateTenantCommand request, ValidationErrors errors)
    {
        errors.Required("name", request.Name, Limits.Name);
        errors.Defined("sector", request.Sector);
        errors.Defined("jurisdiction", request.Jurisdiction);
        if (request.Admin is null)
        {
            errors.Add("admin", "'admin' is required: the tenant's first tenant_admin {subject, email, displayName}.");
            return;
        }

        errors.Required("admin.subject", request.Admin.Subject, Limits.Subject);
        errors.Email("admin.email", request.Admin.Email, required: true);
        errors.Required("admin.displayName", request.Admin.DisplayName, Limits.Name);
    }
}
