using Cms.Application.Abstractions;
using Cms.Application.Common;
using Cms.Domain.Common;
using Cms.Domain.Tenants;
using Mediator;

namespace Cms.Application.Behaviours;

/// <summary>
/// Establishes who is calling: platform use cases need a platform operator; tenant use cases need an active staff
/// member of the token's tenant whose roles (read from the database on every request, so a revoked role or a
/// deactivation takes effect at once) appear in the permission matrix, and whose tenant is not suspended (read in the
/// same statement, so a suspension takes effect on the next request on every instance). Sets the tenant scope from the
/// token only.
/// </summary>
public sealed class AuthorizationBehaviour<TMessage, TResponse>(
    ICurrentPrincipal principal, TenantScope tenant, CallerContext caller, IStaffRepository staff)
    : IPipelineBehavior<TMessage, TResponse>
    where TMessage : IMessage, IUseCaseMessage
    where TResponse : IResult<TResponse>
{
    public async ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next,
        CancellationToken cancellationToken)
    {
        if (!principal.IsAuthenticated || string.IsNullOrEmpty(principal.Subject))
        {
            return TResponse.Failure(new Error(ErrorKind.Unauthorized, "unauthenticated", "A valid bearer token is required."));
        }

        var useCase = message.UseCase;
        if (Permissions.IsPlatformUseCase(useCase))
        {
            if (!principal.IsPlatformOperator)
            {
                return TResponse.Failure(Error.Forbidden("Only platform operators may do this."));
            }

            caller.SetPlatform(principal.Subject);
            return await next(message, cancellationToken);
        }

        if (principal.TenantId is not { } tenantId)
        {
            return TResponse.Failure(Error.Forbidden("Platform operators read nothing inside tenants; a tenant token is required."));
        }

        tenant.Enter(tenantId);
        var found = await staff.FindCallerAsync(principal.Subject, cancellationToken);
        if (found is null || !found.Member.IsActive)
        {
            return TResponse.Failure(Error.Forbidden("The caller is not an active staff member or service account of this tenant."));
        }

        if (found.TenantStatus == TenantStatus.Suspended)
        {
            return TResponse.Failure(Error.TenantSuspended());
        }

        var member = found.Member;

        var allowed = Permissions.RolesFor(useCase);
        if (!member.HasAnyRole(allowed))
        {
            return TResponse.Failure(Error.Forbidden(
                $"This needs one of the roles: {string.Join(", ", allowed.Select(r => r.ToWire()))}."));
        }

        caller.SetStaff(member);
        return await next(message, cancellationToken);
    }
}
