using System.Data.Common;
using Cms.Infrastructure.Persistence;

namespace Cms.Infrastructure.Complaints;

// The complaint by id reads its row on every request: read from the reader by hand, like the queue page's rows
// (ComplaintSummaryRow), instead of Dapper's mapper, which reads each of the 53 columns through GetValue, boxing it on its
// way to the type handlers (docs/performance.md, "The complaint by id's CPU").
internal sealed partial class ComplaintRow
{
    // Each column's place in Map.Columns, found once; in a class of its own, as the map is initialised in the other part of
    // this partial class, whose static fields have no order relative to this part's.
    private static class Column
    {
        public static readonly int TenantId = Of("tenant_id"), Id = Of("id"), Reference = Of("reference"),
            ConsumerId = Of("consumer_id"), Channel = Of("channel"), Priority = Of("priority"),
            ProfileCode = Of("profile_code"), ProfileVersion = Of("profile_version"), CreatedAt = Of("created_at"),
            Product = Of("product"), ProductTaxonomyVersion = Of("product_taxonomy_version"), Category = Of("category"),
            CategoryTaxonomyVersion = Of("category_taxonomy_version"), Description = Of("description"),
            VulnerabilityInvolved = Of("vulnerability_involved"), VulnerabilityHealth = Of("vulnerability_health"),
            VulnerabilityLifeEvent = Of("vulnerability_life_event"),
            VulnerabilityResilience = Of("vulnerability_resilience"),
            VulnerabilityCapability = Of("vulnerability_capability"),
            VulnerabilityConsentAt = Of("vulnerability_consent_at"), VulnerabilityDetails = Of("vulnerability_details"),
            PaymentServices = Of("payment_services"), Disability = Of("disability"), Status = Of("status"),
            AssigneeId = Of("assignee_id"), QueueId = Of("queue_id"), ReceivedAt = Of("received_at"),
            AcknowledgedAt = Of("acknowledged_at"), SummaryResolutionAt = Of("summary_resolution_at"),
            FinalResponseAt = Of("final_response_at"), ResolvedAt = Of("resolved_at"), ClosedAt = Of("closed_at"),
            ReopenedAt = Of("reopened_at"), Outcome = Of("outcome"), RedressAmountMinor = Of("redress_amount_minor"),
            RedressCurrency = Of("redress_currency"), RedressNonMonetary = Of("redress_non_monetary"),
            RootCause = Of("root_cause"), RootCauseTaxonomyVersion = Of("root_cause_taxonomy_version"),
            ClosureBand = Of("closure_band"), MergedIntoId = Of("merged_into_id"),
            ProvisionalCreditAt = Of("provisional_credit_at"), ReferralBody = Of("referral_body"),
            ReferralReference = Of("referral_reference"), ReferredAt = Of("referred_at"),
            ReferralOutcome = Of("referral_outcome"), ReferralOutcomeAt = Of("referral_outcome_at"),
            NextDueAt = Of("next_due_at"), NextDueKind = Of("next_due_kind"), UpdatedAt = Of("updated_at"),
            Version = Of("version"), TextSealed = Of("text_sealed"), LegalEntityId = Of("legal_entity_id");

        private static int Of(string column) => Map.Ordinal(column);
    }

    /// <summary>The row at the reader's position, its columns those of <see cref="Map"/>'s <c>Columns</c>.</summary>
    public static ComplaintRow Read(DbDataReader r) => new()
    {
        TenantId = RowValues.Id(r, Column.TenantId),
        Id = RowValues.Id(r, Column.Id),
        Reference = r.GetString(Column.Reference),
        ConsumerId = RowValues.Id(r, Column.ConsumerId),
        Channel = r.GetString(Column.Channel),
        Priority = r.GetString(Column.Priority),
        ProfileCode = r.GetString(Column.ProfileCode),
        ProfileVersion = r.GetInt32(Column.ProfileVersion),
        CreatedAt = RowValues.Instant(r, Column.CreatedAt),
        Product = r.GetString(Column.Product),
        ProductTaxonomyVersion = OptionalInt(r, Column.ProductTaxonomyVersion),
        Category = r.GetString(Column.Category),
        CategoryTaxonomyVersion = OptionalInt(r, Column.CategoryTaxonomyVersion),
        Description = r.GetString(Column.Description),
        VulnerabilityInvolved = r.GetBoolean(Column.VulnerabilityInvolved),
        VulnerabilityHealth = r.GetBoolean(Column.VulnerabilityHealth),
        VulnerabilityLifeEvent = r.GetBoolean(Column.VulnerabilityLifeEvent),
        VulnerabilityResilience = r.GetBoolean(Column.VulnerabilityResilience),
        VulnerabilityCapability = r.GetBoolean(Column.VulnerabilityCapability),
        VulnerabilityConsentAt = RowValues.OptionalInstant(r, Column.VulnerabilityConsentAt),
        VulnerabilityDetails = OptionalString(r, Column.VulnerabilityDetails),
        PaymentServices = r.GetBoolean(Column.PaymentServices),
        Disability = r.GetBoolean(Column.Disability),
        Status = r.GetString(Column.Status),
        AssigneeId = RowValues.OptionalId(r, Column.AssigneeId),
        QueueId = RowValues.OptionalId(r, Column.QueueId),
        ReceivedAt = RowValues.Instant(r, Column.ReceivedAt),
        AcknowledgedAt = RowValues.OptionalInstant(r, Column.AcknowledgedAt),
        SummaryResolutionAt = RowValues.OptionalInstant(r, Column.SummaryResolutionAt),
        FinalResponseAt = RowValues.OptionalInstant(r, Column.FinalResponseAt),
        ResolvedAt = RowValues.OptionalInstant(r, Column.ResolvedAt),
        ClosedAt = RowValues.OptionalInstant(r, Column.ClosedAt),
        ReopenedAt = RowValues.OptionalInstant(r, Column.ReopenedAt),
        Outcome = OptionalString(r, Column.Outcome),
        RedressAmountMinor = r.IsDBNull(Column.RedressAmountMinor) ? null : r.GetInt64(Column.RedressAmountMinor),
        RedressCurrency = OptionalString(r, Column.RedressCurrency),
        RedressNonMonetary = OptionalString(r, Column.RedressNonMonetary),
        RootCause = OptionalString(r, Column.RootCause),
        RootCauseTaxonomyVersion = OptionalInt(r, Column.RootCauseTaxonomyVersion),
        ClosureBand = OptionalString(r, Column.ClosureBand),
        MergedIntoId = RowValues.OptionalId(r, Column.MergedIntoId),
        ProvisionalCreditAt = RowValues.OptionalInstant(r, Column.ProvisionalCreditAt),
        ReferralBody = OptionalString(r, Column.ReferralBody),
        ReferralReference = OptionalString(r, Column.ReferralReference),
        ReferredAt = RowValues.OptionalInstant(r, Column.ReferredAt),
        ReferralOutcome = OptionalString(r, Column.ReferralOutcome),
        ReferralOutcomeAt = RowValues.OptionalInstant(r, Column.ReferralOutcomeAt),
        NextDueAt = RowValues.OptionalInstant(r, Column.NextDueAt),
        NextDueKind = OptionalString(r, Column.NextDueKind),
        UpdatedAt = RowValues.Instant(r, Column.UpdatedAt),
        Version = r.GetInt64(Column.Version),
        TextSealed = r.GetBoolean(Column.TextSealed),
        LegalEntityId = RowValues.OptionalId(r, Column.LegalEntityId),
    };

    private static string? OptionalString(DbDataReader r, int ordinal) => r.IsDBNull(ordinal) ? null : r.GetString(ordinal);

    private static int? OptionalInt(DbDataReader r, int ordinal) => r.IsDBNull(ordinal) ? null : r.GetInt32(ordinal);
}

internal sealed partial class DeadlineRow
{
    /// <summary>The row at the reader's position, its columns those of <see cref="Columns"/> in that order.</summary>
    public static DeadlineRow Read(DbDataReader r) => new()
    {
        ComplaintId = RowValues.Id(r, 0),
        Kind = r.GetString(1),
        DueAt = RowValues.Instant(r, 2),
        MetAt = RowValues.OptionalInstant(r, 3),
        PausedAt = RowValues.OptionalInstant(r, 4),
        PausedMs = r.GetInt64(5),
    };
}

internal sealed partial class ResponseRow
{
    private static class Column
    {
        public static readonly int Id = Map.Ordinal("id"), ComplaintId = Map.Ordinal("complaint_id"), Type = Map.Ordinal("type"),
            SentAt = Map.Ordinal("sent_at"), RecordedBy = Map.Ordinal("recorded_by"), RecordedAt = Map.Ordinal("recorded_at");
    }

    /// <summary>The row at the reader's position, its columns those of <see cref="Map"/>'s <c>Columns</c>.</summary>
    public static ResponseRow Read(DbDataReader r) => new()
    {
        Id = RowValues.Id(r, Column.Id),
        ComplaintId = RowValues.Id(r, Column.ComplaintId),
        Type = r.GetString(Column.Type),
        SentAt = RowValues.Instant(r, Column.SentAt),
        RecordedBy = RowValues.OptionalId(r, Column.RecordedBy),
        RecordedAt = RowValues.Instant(r, Column.RecordedAt),
    };
}
