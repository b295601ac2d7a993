using Cms.Application.Abstractions;

namespace Cms.Api.Demo;

/// <summary>
/// The caller of a command-line run: who the run acts as is set per operation, and everything after that (roles read
/// from the database, the permission matrix, the tenant scope, the audit trail) is the same pipeline as an HTTP request.
/// </summary>
public sealed class CliPrincipal : ICurrentPrincipal
{
    public bool IsAuthenticated => Subject is not null;

    public string? Subject { get; private set; }

    public Guid? TenantId { get; private set; }

    public bool IsPlatformOperator { get; private set; }

    public void ActAsPlatformOperator(string subject) => (Subject, TenantId, IsPlatformOperator) = (subject, null, true);

    public void ActAsStaff(Guid tenantId, string subject) => (Subject, TenantId, IsPlatformOperator) = (subject, tenantId, false);
}
