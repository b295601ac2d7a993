namespace Cms.Application.Audit;

/// <summary>
/// Every audit action, which is also every change-feed event type (docs/events.md): the one list of what the service can
/// emit. <c>AuditTrail.RecordAsync</c> refuses an action that is not here, so a new command cannot publish a type
/// that consumers (and webhook filters) have not been told about; <c>EventTypesTests</c> checks that docs/events.md
/// lists exactly these.
/// </summary>
public static class EventTypes
{
    public static IReadOnlySet<string> All { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "tenant.created",
        "tenant.suspended",
        "tenant.reactivated",
        "settings.clocks_updated",
        "retention.schedule_updated",
        "staff.added",
        "staff.roles_replaced",
        "staff.deactivated",
        "consumer.registered",
        "consumer.updated",
        "consumer.erased",
        "consumer.exported",
        "consumer.legal_hold_set",
        "consumer.legal_hold_lifted",
        "consumer.imported",
        "complaint.filed",
        "complaint.acknowledged",
        "complaint.investigation_started",
        "complaint.awaiting_consumer",
        "complaint.assigned",
        "complaint.resolved",
        "complaint.closed",
        "complaint.reopened",
        "complaint.referred",
        "complaint.referral_outcome_recorded",
        "complaint.note_added",
        "complaint.response_recorded",
        "complaint.reclassified",
        "complaint.vulnerability_recorded",
        "complaint.merged",
        "complaint.merged_into",
        "complaint.merge_repointed",
        "complaint.received_at_corrected",
        "complaint.payment_services_set",
        "complaint.disability_set",
        "complaint.provisional_credit_recorded",
        "taxonomy.published",
        "calendar.closure_day_added",
        "calendar.closure_day_renamed",
        "calendar.closure_day_removed",
        "webhook.created",
        "webhook.updated",
        "webhook.deleted",
        "webhook.replayed",
        "letter_template.published",
        "letter.drafted",
        "letter.ready",
        "letter.sent",
        "deadline.at_risk",
        "deadline.breached",
        "queue.created",
        "queue.retired",
        "staff.queues_replaced",
        "complaint.queue_moved",
        "legal_entity.created",
        "legal_entity.updated",
        "return_mapping.replaced",
        "fca_return.snapshot_taken",
    };
}
