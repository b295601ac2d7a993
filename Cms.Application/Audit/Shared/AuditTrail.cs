using System.Diagnostics;
using Cms.Application.Abstractions;
using Cms.Domain.Audit;
using Cms.Domain.Common;
using Cms.Domain.Events;

namespace Cms.Application.Audit;

/// <summary>
/// Writes the record of a change in the same transaction as the change: the audit entry (who, from the caller
/// context; what; which entity; which fields, with their old and new values where the use case gives them, personal
/// ones sealed by the store; when; under which trace) and, from the very same call, the
/// change-feed event (the transactional outbox, docs/events.md). A command cannot audit without publishing, or publish
/// without auditing: there is one call for both.
/// </summary>
public sealed class AuditTrail(IAuditRepository repository, IEventOutbox outbox, CallerContext caller, TenantScope tenant, TimeProvider clock)
{
    public const string Complaint = "complaint";
    public const string Consumer = "consumer";
    public const string ConsumerImport = "consumer_import";
    public const string Staff = "staff";
    public const string Tenant = "tenant";
    public const string Taxonomy = "taxonomy";
    public const string ClosureDay = "closure_day";
    public const string Webhook = "webhook";
    public const string Queue = "queue";
    public const string LegalEntity = "legal_entity";
    public const string ReturnMapping = "return_mapping";
    public const string FcaReturnSnapshot = "fca_return_snapshot";
    public const string LetterTemplate = "letter_template";
    public const string Letter = "letter";

    /// <summary>The version reported for an entity that carries none (the tenant registry row).</summary>
    public const long UnversionedEntity = 1;

    /// <param name="action">The audit action and the event type, <c>entity.past_tense</c> (e.g. <c>complaint.filed</c>).</param>
    /// <param name="entityVersion">The entity's version after the change (its ETag).</param>
    public Task RecordAsync(string action, string entityType, Guid entityId, long entityVersion, IReadOnlyList<string> changedFields,
        CancellationToken cancellationToken) =>
        RecordAsync(action, entityType, entityId, entityVersion, changedFields, null, cancellationToken);

    /// <param name="values">The old and new values of changed fields (a subset of <paramref name="changedFields"/>: fields
    /// such as deadlines are named only); never in the change-feed event.</param>
    public async Task RecordAsync(string action, string entityType, Guid entityId, long entityVersion, IReadOnlyList<string> changedFields,
        AuditValues? values, CancellationToken cancellationToken)
    {
        if (!EventTypes.All.Contains(action))
        {
            // A programming error, caught by the tests of the command: declare the type in EventTypes and docs/events.md.
            throw new InvalidOperationException($"'{action}' is not a declared event type (EventTypes.All).");
        }

        var traceId = Activity.Current is { } activity ? activity.TraceId.ToHexString() : null;
        var occurredAt = AuditChain.Normalise(clock.GetUtcNow());
        var entry = new AuditEntry(Ids.New(), tenant.Required, occurredAt, caller.ActorType, caller.ActorId, action,
            entityType, entityId, changedFields, traceId);
        await repository.AppendAsync(entry, values is { Changes.Count: > 0 } ? values : null, cancellationToken);
        await outbox.AppendAsync(new ChangeEvent(Ids.New(), tenant.Required, action, entityType, entityId, entityVersion, occurredAt,
            changedFields), cancellationToken);
    }
}
