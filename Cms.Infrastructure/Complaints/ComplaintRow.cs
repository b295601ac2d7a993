using System.Globalization;
using System.Text;
using Cms.Application.Complaints;
using Cms.Domain.Common;
using Cms.Domain.Complaints;
using Cms.Domain.Consumers;
using Cms.Domain.Regulation;
using Cms.Infrastructure.Crypto;
using Cms.Infrastructure.Persistence;
using Dapper;

namespace Cms.Infrastructure.Complaints;

internal sealed partial class ComplaintRow
{
    public Guid TenantId { get; init; }
    public Guid Id { get; init; }
    public string Reference { get; init; } = "";
    public Guid ConsumerId { get; init; }
    public string Channel { get; init; } = "";
    public string Product { get; init; } = "";
    public int? ProductTaxonomyVersion { get; init; }
    public string Category { get; init; } = "";
    public int? CategoryTaxonomyVersion { get; init; }
    public string Description { get; init; } = "";
    public string Priority { get; init; } = "";
    public bool VulnerabilityInvolved { get; init; }
    public bool VulnerabilityHealth { get; init; }
    public bool VulnerabilityLifeEvent { get; init; }
    public bool VulnerabilityResilience { get; init; }
    public bool VulnerabilityCapability { get; init; }
    public DateTimeOffset? VulnerabilityConsentAt { get; init; }
    public bool PaymentServices { get; init; }
    public bool Disability { get; init; }
    public string ProfileCode { get; init; } = "";
    public int ProfileVersion { get; init; } = 1;
    public string Status { get; init; } = "";
    public Guid? AssigneeId { get; init; }
    public Guid? QueueId { get; init; }

    /// <summary>Read with the complaint's DTO only (written by the legal entities' repository); null: the default entity.</summary>
    public Guid? LegalEntityId { get; init; }
    public DateTimeOffset ReceivedAt { get; init; }
    public DateTimeOffset? AcknowledgedAt { get; init; }
    public DateTimeOffset? SummaryResolutionAt { get; init; }
    public DateTimeOffset? FinalResponseAt { get; init; }
    public DateTimeOffset? ResolvedAt { get; init; }
    public DateTimeOffset? ClosedAt { get; init; }
    public DateTimeOffset? ReopenedAt { get; init; }
    public string? Outcome { get; init; }
    public long? RedressAmountMinor { get; init; }
    public string? RedressCurrency { get; init; }
    public string? RedressNonMonetary { get; init; }
    public string? RootCause { get; init; }
    public int? RootCauseTaxonomyVersion { get; init; }
    public string? ClosureBand { get; init; }
    public Guid? MergedIntoId { get; init; }
    public DateTimeOffset? ProvisionalCreditAt { get; init; }
    public string? ReferralBody { get; init; }
    public string? ReferralReference { get; init; }
    public DateTimeOffset? ReferredAt { get; init; }
    public string? ReferralOutcome { get; init; }
    public DateTimeOffset? ReferralOutcomeAt { get; init; }
    public DateTimeOffset? NextDueAt { get; init; }
    public string? NextDueKind { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
    public long Version { get; init; }
    public bool TextSealed { get; init; }
    public string? VulnerabilityDetails { get; init; }

    /// <summary>The complaints table. What a complaint's first write fixes (its reference, consumer, channel, priority,
    /// profile) no UPDATE sets; the legal entity is the legal entities' repository's to write.</summary>
    public static readonly ColumnMap Map = new("complaints",
        keys: ["tenant_id", "id"],
        setOnce: ["reference", "consumer_id", "channel", "priority", "profile_code", "profile_version", "created_at"],
        mutable:
        [
            "product", "product_taxonomy_version", "category", "category_taxonomy_version", "description",
            "vulnerability_involved", "vulnerability_health", "vulnerability_life_event", "vulnerability_resilience",
            "vulnerability_capability", "vulnerability_consent_at", "vulnerability_details", "payment_services", "disability",
            "status", "assignee_id", "queue_id", "received_at", "acknowledged_at", "summary_resolution_at", "final_response_at",
            "resolved_at", "closed_at", "reopened_at", "outcome", "redress_amount_minor", "redress_currency",
            "redress_non_monetary", "root_cause", "root_cause_taxonomy_version", "closure_band", "merged_into_id",
            "provisional_credit_at", "referral_body", "referral_reference", "referred_at", "referral_outcome",
            "referral_outcome_at", "next_due_at", "next_due_kind", "updated_at", "version", "text_sealed",
        ],
        readOnly: ["legal_entity_id"]);

    /// <summary>Parameters for the mutable columns plus the keys (INSERT uses all, UPDATE the mutable ones); the free text
    /// as <paramref name="text"/> sealed it, the plain vulnerability drivers left false (they live in the sealed details).</summary>
    public static object Parameters(Complaint c, SealedComplaintText text) => new
    {
        c.TenantId,
        c.Id,
        c.Reference,
        c.ConsumerId,
        Channel = c.Channel.ToWire(),
        c.Product,
        c.Category,
        text.Description,
        Priority = c.Priority.ToWire(),
        c.VulnerabilityInvolved,
        c.Flags.PaymentServices,
        c.Flags.Disability,
        c.ProfileCode,
        Status = c.Status.ToWire(),
        c.AssigneeId,
        c.ReceivedAt,
        c.AcknowledgedAt,
        c.SummaryResolutionAt,
        c.FinalResponseAt,
        c.ResolvedAt,
        c.ClosedAt,
        c.ReopenedAt,
        Outcome = c.Resolution?.Outcome.ToWire(),
        RedressAmountMinor = c.Resolution?.Redress.Monetary?.AmountMinor,
        RedressCurrency = c.Resolution?.Redress.Monetary?.Currency,
        text.RedressNonMonetary,
        c.Resolution?.RootCause,
        text.ReferralBody,
        text.ReferralReference,
        c.Referral?.ReferredAt,
        ReferralOutcome = c.Referral?.Outcome?.ToWire(),
        ReferralOutcomeAt = c.Referral?.OutcomeAt,
        c.NextDueAt,
        NextDueKind = c.NextDueKind?.ToWire(),
        c.ProfileVersion,
        c.CreatedAt,
        c.UpdatedAt,
        c.Version,
        ProductTaxonomyVersion = c.ProductVersion,
        CategoryTaxonomyVersion = c.CategoryVersion,
        RootCauseTaxonomyVersion = c.Resolution?.RootCauseVersion,
        VulnerabilityHealth = false,
        VulnerabilityLifeEvent = false,
        VulnerabilityResilience = false,
        VulnerabilityCapability = false,
        VulnerabilityConsentAt = (DateTimeOffset?)null,
        ClosureBand = c.ClosureBand?.ToWire(),
        c.MergedIntoId,
        c.ProvisionalCreditAt,
        c.QueueId,
        TextSealed = true,
        text.VulnerabilityDetails,
    };

    /// <summary>The vulnerability of a row not yet converted (its drivers still in the plain columns).</summary>
    public ComplaintVulnerability PlainVulnerability()
    {
        var drivers = new HashSet<VulnerabilityDriver>();
        if (VulnerabilityHealth)
        {
            drivers.Add(VulnerabilityDriver.Health);
        }

        if (VulnerabilityLifeEvent)
        {
            drivers.Add(VulnerabilityDriver.LifeEvent);
        }

        if (VulnerabilityResilience)
        {
            drivers.Add(VulnerabilityDriver.Resilience);
        }

        if (VulnerabilityCapability)
        {
            drivers.Add(VulnerabilityDriver.Capability);
        }

        return new ComplaintVulnerability(VulnerabilityInvolved, drivers, VulnerabilityConsentAt);
    }

    public ComplaintState ToState(IEnumerable<DeadlineRow> deadlines, IEnumerable<ResponseRow> responses, ComplaintText text) => new()
    {
        Id = Id,
        TenantId = TenantId,
        Reference = Reference,
        ConsumerId = ConsumerId,
        Channel = WireNames.Parse<Channel>(Channel),
        Product = Product,
        ProductVersion = ProductTaxonomyVersion,
        Category = Category,
        CategoryVersion = CategoryTaxonomyVersion,
        Description = text.Description,
        Priority = WireNames.Parse<Priority>(Priority),
        VulnerabilityInvolved = VulnerabilityInvolved,
        Vulnerability = text.Vulnerability,
        Flags = new ComplaintFlags(PaymentServices, Disability),
        ProfileCode = ProfileCode,
        ProfileVersion = ProfileVersion,
        Status = WireNames.Parse<ComplaintStatus>(Status),
        AssigneeId = AssigneeId,
        ReceivedAt = ReceivedAt,
        AcknowledgedAt = AcknowledgedAt,
        SummaryResolutionAt = SummaryResolutionAt,
        FinalResponseAt = FinalResponseAt,
        ResolvedAt = ResolvedAt,
        ClosedAt = ClosedAt,
        ReopenedAt = ReopenedAt,
        Resolution = Outcome is null ? null : new Resolution(WireNames.Parse<Outcome>(Outcome), RedressValue(text), RootCause, RootCauseTaxonomyVersion),
        Referral = ReferralValue(text),
        ClosureBand = ClosureBand is null ? null : WireNames.Parse<ClosureBand>(ClosureBand),
        MergedIntoId = MergedIntoId,
        ProvisionalCreditAt = ProvisionalCreditAt,
        QueueId = QueueId,
        Responses = [.. responses.Select(r => r.ToDomain())],
        Deadlines = [.. deadlines.Select(d => d.ToDomain())],
        CreatedAt = CreatedAt,
        UpdatedAt = UpdatedAt,
        Version = Version,
    };

    public ComplaintDto ToDto(IEnumerable<DeadlineRow> deadlineRows, IEnumerable<ResponseRow> responses, DateTimeOffset now, ComplaintText text)
    {
        var vulnerability = text.Vulnerability;
        var deadlines = deadlineRows.Select(d => d.ToDomain()).OrderBy(d => d.DueAt).ThenBy(d => d.Kind).ToList();
        var redress = Outcome is null ? null : RedressValue(text);
        var referral = ReferralValue(text);
        return new ComplaintDto(Id, Reference, ConsumerId, WireNames.Parse<Channel>(Channel), Product, ProductTaxonomyVersion, Category,
            CategoryTaxonomyVersion, text.Shown(text.Description), WireNames.Parse<Priority>(Priority), VulnerabilityInvolved,
            new ComplaintVulnerabilityDto(vulnerability.Involved, [.. vulnerability.Drivers.Order()], vulnerability.ConsentGivenAt),
            PaymentServices, Disability, ProfileCode, ProfileVersion,
            WireNames.Parse<ComplaintStatus>(Status), AssigneeId, ReceivedAt, AcknowledgedAt, SummaryResolutionAt, FinalResponseAt,
            ResolvedAt, ClosedAt, ReopenedAt, Outcome is null ? null : WireNames.Parse<Outcome>(Outcome),
            redress is null ? null : new RedressDto(redress.Monetary is { } m ? new MoneyDto(m.AmountMinor, m.Currency) : null, text.Shown(redress.NonMonetary)),
            RootCause, RootCauseTaxonomyVersion,
            referral is null ? null : new ReferralDto(text.Shown(referral.Body), text.Shown(referral.ExternalReference), referral.ReferredAt, referral.Outcome, referral.OutcomeAt),
            [.. responses.Select(Mapping.To<ResponseDto>)], ClosureBand is null ? null : WireNames.Parse<ClosureBand>(ClosureBand), MergedIntoId,
            [.. deadlines.Select(d => DeadlineDto.From(d, now))],
            NextDueAt, NextDueAt is { } due && due < now, CreatedAt, UpdatedAt, Version)
        {
            ProvisionalCreditAt = ProvisionalCreditAt,
            QueueId = QueueId,
            PersonalDataErased = text.Erased,
            LegalEntityId = LegalEntityId ?? TenantId,
        };
    }

    private Redress RedressValue(ComplaintText text) => new(
        RedressAmountMinor is { } amount && RedressCurrency is { } currency ? new Money(amount, currency) : null, text.RedressNonMonetary);

    private Referral? ReferralValue(ComplaintText text) => text.ReferralBody is null || ReferredAt is null
        ? null
        : new Referral(text.ReferralBody, text.ReferralReference, ReferredAt.Value,
            ReferralOutcome is null ? null : WireNames.Parse<ReferralOutcome>(ReferralOutcome), ReferralOutcomeAt);
}

internal sealed partial class DeadlineRow
{
    public Guid ComplaintId { get; init; }
    public string Kind { get; init; } = "";
    public DateTimeOffset DueAt { get; init; }
    public DateTimeOffset? MetAt { get; init; }
    public DateTimeOffset? PausedAt { get; init; }
    public long PausedMs { get; init; }

    /// <summary>The deadlines that apply (a withdrawn one stopped applying when a flag was cleared).</summary>
    public const string Columns = "complaint_id, kind, due_at, met_at, paused_at, paused_ms";

    public Deadline ToDomain() => new(WireNames.Parse<DeadlineKind>(Kind), DueAt, MetAt, PausedAt, TimeSpan.FromMilliseconds(PausedMs));

    /// <summary>Inserts the complaint's deadlines, or brings stored (possibly withdrawn) ones of those kinds up to date, in
    /// ONE multi-row statement: its text and its parameters (<c>@Kind0</c>, <c>@DueAt0</c>, … per deadline).</summary>
    public static (string Sql, DynamicParameters Parameters) UpsertAll(Complaint c)
    {
        var values = new StringBuilder();
        var p = new DynamicParameters();
        p.Add("TenantId", c.TenantId);
        p.Add("ComplaintId", c.Id);
        var i = 0;
        foreach (var d in c.Deadlines)
        {
            var n = i++.ToString(CultureInfo.InvariantCulture);
            values.Append(values.Length == 0 ? "" : ", ")
                .Append($"(@TenantId, @ComplaintId, @Kind{n}, @DueAt{n}, @MetAt{n}, @PausedAt{n}, @PausedMs{n}, NULL)");
            p.Add("Kind" + n, d.Kind.ToWire());
            p.Add("DueAt" + n, d.DueAt);
            p.Add("MetAt" + n, d.MetAt);
            p.Add("PausedAt" + n, d.PausedAt);
            p.Add("PausedMs" + n, (long)d.PausedFor.TotalMilliseconds);
        }

        return ($"""
            INSERT INTO complaint_deadlines (tenant_id, complaint_id, kind, due_at, met_at, paused_at, paused_ms, withdrawn_at)
            VALUES {values}
            ON CONFLICT (tenant_id, complaint_id, kind) DO UPDATE SET due_at = excluded.due_at, met_at = excluded.met_at,
                paused_at = excluded.paused_at, paused_ms = excluded.paused_ms, withdrawn_at = NULL
            """, p);
    }
}

internal sealed partial class ResponseRow
{
    public Guid Id { get; init; }
    public Guid ComplaintId { get; init; }
    public string Type { get; init; } = "";
    public DateTimeOffset SentAt { get; init; }
    public Guid? RecordedBy { get; init; }
    public DateTimeOffset RecordedAt { get; init; }

    public static readonly ColumnMap Map = new("complaint_responses", keys: ["tenant_id", "id"],
        setOnce: ["complaint_id", "type", "sent_at", "recorded_by", "recorded_at"], mutable: []);

    public ComplaintResponse ToDomain() => new(Id, ComplaintId, WireNames.Parse<ResponseType>(Type), SentAt, RecordedBy, RecordedAt);

    public static object Parameters(Guid tenantId, ComplaintResponse r) => new
    {
        TenantId = tenantId,
        r.Id,
        r.ComplaintId,
        Type = r.Type.ToWire(),
        r.SentAt,
        r.RecordedBy,
        r.RecordedAt,
    };
}

internal sealed class NoteRow
{
    public Guid Id { get; init; }
    public Guid ComplaintId { get; init; }
    public string Kind { get; init; } = "";
    public string Body { get; init; } = "";
    public Guid AuthorId { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public bool TextSealed { get; init; }

    public static readonly ColumnMap Map = new("complaint_notes", keys: ["tenant_id", "id"],
        setOnce: ["complaint_id", "kind", "body", "author_id", "created_at", "text_sealed"], mutable: []);

    /// <summary>The note as callers read it: the body opened with the consumer's key (null once erased).</summary>
    public NoteDto ToDto(ConsumerTextCipher cipher)
    {
        var body = TextSealed ? cipher.Open(FreeTextColumns.Notes, Id, FreeTextColumns.NoteBody, Body)
            : cipher.KeyDestroyed ? null : Body;
        return new NoteDto(Id, ComplaintId, WireNames.Parse<NoteKind>(Kind), cipher.KeyDestroyed ? null : body, AuthorId, CreatedAt);
    }
}
