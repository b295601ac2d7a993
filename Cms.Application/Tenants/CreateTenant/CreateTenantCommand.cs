using System.ComponentModel.DataAnnotations;
using Cms.Application.Common;
using Cms.Domain.Common;
using Cms.Domain.Tenants;
using Mediator;

namespace Cms.Application.Tenants.CreateTenant;

public sealed record TenantAdminInput([Required] string? Subject, [Required] string? Email, [Required] string? DisplayName);

/// <summary>A platform operator creates a tenant with its first tenant admin.</summary>
public sealed record CreateTenantCommand([Required] string? Name, [Required] Sector? Sector, [Required] Jurisdiction? Jurisdiction, [Required] TenantAdminInput? Admin)
    : ICommand<Result<TenantDto>>, IUseCaseMessage
{
    UseCase IUseCaseMessage.UseCase => UseCase.CreateTenant;
}
