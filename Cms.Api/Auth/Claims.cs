using System.Security.Claims;
using Cms.Application.Abstractions;

namespace Cms.Api.Auth;

public static class CmsClaims
{
    public const string Subject = "sub";
    public const string TenantId = "tenant_id";
    public const string Scope = "scope";

    /// <summary>Application permissions (Microsoft Entra ID puts those granted to a client-credentials caller here).</summary>
    public const string Roles = "roles";
    public const string PlatformScope = "cms.platform";
}

/// <summary>The caller as the validated token states it; nothing from headers, bodies or paths.</summary>
public sealed class HttpPrincipal(IHttpContextAccessor accessor) : ICurrentPrincipal
{
    private ClaimsPrincipal? User => accessor.HttpContext?.User;

    public bool IsAuthenticated => User?.Identity?.IsAuthenticated == true && (TenantClaimValid || IsPlatformOperator);

    public string? Subject => User?.FindFirst(CmsClaims.Subject)?.Value;

    public Guid? TenantId =>
        Guid.TryParse(User?.FindFirst(CmsClaims.TenantId)?.Value, out var id) && id != Guid.Empty ? id : null;

    /// <summary>No tenant, and the platform permission granted as a scope (space-separated <c>scope</c>) or as an application
    /// role (<c>roles</c>, one claim per role).</summary>
    public bool IsPlatformOperator =>
        User?.FindFirst(CmsClaims.TenantId) is null
        && ((User?.FindAll(CmsClaims.Scope).Any(c => c.Value.Split(' ').Contains(CmsClaims.PlatformScope)) ?? false)
            || (User?.FindAll(CmsClaims.Roles).Any(c => c.Value == CmsClaims.PlatformScope) ?? false));

    /// <summary>A tenant_id claim that is present must be a valid id; a malformed one is no identity at all.</summary>
    private bool TenantClaimValid => TenantId is not null;
}
