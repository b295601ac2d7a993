using Cms.Domain.Audit;
using Cms.Domain.Staff;

namespace Cms.Application.Abstractions;

/// <summary>The authenticated caller as the token states it. Filled by the API from validated claims only.</summary>
public interface ICurrentPrincipal
{
    bool IsAuthenticated { get; }

    /// <summary>The token's <c>sub</c>.</summary>
    string? Subject { get; }

    /// <summary>The token's <c>tenant_id</c>; null for platform operators.</summary>
    Guid? TenantId { get; }

    /// <summary>The token's scope holds <c>cms.platform</c>.</summary>
    bool IsPlatformOperator { get; }
}

/// <summary>
/// The tenant whose data this request may touch. Set once per request, from the principal (or, for a platform
/// operator creating a tenant, to the new tenant); the database session applies it to its transaction.
/// </summary>
public sealed class TenantScope
{
    public Guid? TenantId { get; private set; }

    public void Enter(Guid tenantId)
    {
        if (tenantId == Guid.Empty)
        {
            throw new ArgumentException("The empty id is no tenant.", nameof(tenantId));
        }

        if (TenantId is { } current && current != tenantId)
        {
            throw new InvalidOperationException("A request cannot switch from one tenant to another.");
        }

        TenantId = tenantId;
    }

    /// <summary>
    /// Forgets the tenant between two attempts at the same request (the database retry), whose second attempt enters its
    /// tenant again; a platform operator's new tenant gets a new id on each attempt.
    /// </summary>
    public void ResetForRetry() => TenantId = null;

    public Guid Required => TenantId ?? throw new InvalidOperationException("No tenant is in scope for this request.");
}

/// <summary>Who is acting in this request, as resolved from the database by the authorization behaviour.</summary>
public sealed class CallerContext
{
    public StaffMember? Staff { get; private set; }
    public ActorType ActorType { get; private set; }
    public string ActorId { get; private set; } = "";

    public StaffMember RequiredStaff => Staff ?? throw new InvalidOperationException("The caller is not a staff member.");

    public void SetStaff(StaffMember staff)
    {
        Staff = staff;
        ActorType = ActorType.Staff;
        ActorId = staff.Id.ToString();
    }

    public void SetPlatform(string subject)
    {
        Staff = null;
        ActorType = ActorType.Platform;
        ActorId = subject;
    }
}

/// <summary>
/// The use case a request runs, set once by the outermost behaviour. The database session labels the request's
/// transactions with it (PostgreSQL <c>application_name</c>), so slow statements and locks are attributable by use case.
/// </summary>
public sealed class UseCaseScope
{
    public Common.UseCase? Current { get; private set; }

    public void Enter(Common.UseCase useCase) => Current ??= useCase;
}
