using System.Diagnostics;
using Cms.Application.Abstractions;
using Cms.Domain.Audit;
using Cms.Domain.Common;

namespace Cms.Application.Audit;

/// <summary>
/// Writes the audit entry of a change in the same transaction as the change: who (from the caller context),
/// what, which entity, which fields (names only), when and under which trace.
/// </summary>
public sealed class AuditTrail(IAuditRepository repository, CallerContext caller, TenantScope tenant, TimeProvider clock)
{
    public const string Complaint = "complaint";
    public const string Consumer = "consumer";
    public const string ConsumerImport = "consumer_import";
    public const string Staff = "staff";
    public const string Tenant = "tenant";
    public const string Taxonomy = "taxonomy";
    public const string ClosureDay = "closure_day";

    public Task RecordAsync(string action, string entityType, Guid entityId, IReadOnlyList<string> changedFields,
        CancellationToken cancellationToken)
    {
        var traceId = Activity.Current is { } activity ? activity.TraceId.ToHexString() : null;
        var entry = new AuditEntry(Ids.New(), tenant.Required, AuditChain.Normalise(clock.GetUtcNow()), caller.ActorType, caller.ActorId, action,
            entityType, entityId, changedFields, traceId);
        return repository.AppendAsync(entry, cancellationToken);
    }
}
