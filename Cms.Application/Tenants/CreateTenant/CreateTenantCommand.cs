using Cms.Application.Common;
using Cms.Domain.Common;
using Cms.Domain.Tenants;
using Mediator;

namespace Cms.Application.Tenants.CreateTenant;

public sealed record TenantAdminInput(string? Subject, string? Email, string? DisplayName);

/// <summary>A platform operator creates a tenant with its first tenant admin.</summary>
public sealed record CreateTenantCommand(string? Name, Sector? Sector, Jurisdiction? Jurisdiction, TenantAdminInput? Admin)
    : ICommand<Result<TenantDto>>, IUseCaseMessage
{
    UseCase IUseCaseMessage.UseCase => UseCase.CreateTenant;
}
