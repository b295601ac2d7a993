using System.ComponentModel.DataAnnotations;
using Cms.Application.Common;
using Cms.Domain.Common;
using Cms.Domain.Tenants;
using Mediator;

namespace Cms.Application.Tenants.ChangeTenantStatus;

/// <summary>A platform operator's change of a tenant's status, with a reason: one handler for both directions.</summary>
public interface ITenantStatusChange : ICommand<Result<TenantDto>>, IUseCaseMessage
{
    Guid TenantId { get; }

    TenantStatus To { get; }

    string? Reason { get; }
}

/// <summary><c>POST /v1/tenants/{id}/suspend</c>.</summary>
public sealed record SuspendTenantCommand(Guid TenantId, string? Reason) : ITenantStatusChange
{
    public TenantStatus To => TenantStatus.Suspended;

    UseCase IUseCaseMessage.UseCase => UseCase.SuspendTenant;
}

/// <summary><c>POST /v1/tenants/{id}/reactivate</c>.</summary>
public sealed record ReactivateTenantCommand(Guid TenantId, string? Reason) : ITenantStatusChange
{
    public TenantStatus To => TenantStatus.Active;

    UseCase IUseCaseMessage.UseCase => UseCase.ReactivateTenant;
}

/// <summary>The body of both routes: <c>{reason}</c>.</summary>
public sealed record TenantStatusChangeInput([Required] string? Reason);
