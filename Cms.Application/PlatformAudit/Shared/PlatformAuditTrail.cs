using System.Diagnostics;
using System.Text.Json;
using Cms.Application.Abstractions;

namespace Cms.Application.PlatformAudit;

/// <summary>
/// Records a platform operator's action on a tenant in the platform audit chain, in the request's transaction, with the
/// caller from the caller context. Actions are <c>tenant.past_tense</c>; details are ids, counts and flags only.
/// </summary>
public sealed class PlatformAuditTrail(IPlatformAuditLog log, CallerContext caller)
{
    public const string Created = "tenant.created";
    public const string Suspended = "tenant.suspended";
    public const string Reactivated = "tenant.reactivated";
    public const string ExportStarted = "tenant.export_started";
    public const string Exported = "tenant.exported";
    public const string OffboardingStarted = "tenant.offboarding_started";
    public const string KeysDestroyed = "tenant.keys_destroyed";
    public const string Deleted = "tenant.deleted";

    public Task<PlatformAuditEntry> RecordAsync(string action, Guid tenantId, object? details, CancellationToken cancellationToken) =>
        log.AppendAsync(Record(caller.ActorId, action, tenantId, details), cancellationToken);

    /// <summary>A record for work outside a request (the export's end, the offboarding worker), acting for <paramref name="actor"/>.</summary>
    public static PlatformAuditRecord Record(string actor, string action, Guid tenantId, object? details) =>
        new(actor, action, tenantId, JsonSerializer.Serialize(details ?? new { }, JsonOptions),
            Activity.Current is { } activity ? activity.TraceId.ToHexString() : null);

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);
}
