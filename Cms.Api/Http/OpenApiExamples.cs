using Cms.Api.Endpoints;
using Cms.Application.Audit;
using Cms.Application.Audit.VerifyAuditChain;
using Cms.Application.Calendar;
using Cms.Application.Calendar.UpdateClockSettings;
using Cms.Application.Common;
using Cms.Application.Complaints;
using Cms.Application.Complaints.FileComplaint;
using Cms.Application.Consumers;
using Cms.Application.Consumers.RegisterConsumer;
using Cms.Application.Events;
using Cms.Application.Queues;
using Cms.Application.Queues.CreateQueue;
using Cms.Application.Reports;
using Cms.Application.Staff;
using Cms.Application.Staff.AddStaff;
using Cms.Application.Taxonomies;
using Cms.Application.Tenants;
using Cms.Application.Tenants.CreateTenant;
using Cms.Application.Webhooks;
using Cms.Domain.Audit;
using Cms.Domain.Complaints;
using Cms.Domain.Consumers;
using Cms.Domain.Regulation;
using Cms.Domain.Staff;
using Cms.Domain.Taxonomies;
using Cms.Domain.Tenants;

namespace Cms.Api.Http;

/// <summary>
/// One example per request and response body type of the API, written as the C# types themselves so that a changed
/// contract breaks the build here rather than leaving a stale example in the OpenAPI document. Pages are built from
/// their item's example. A test checks that every operation's bodies have one. The data is invented.
/// </summary>
public static partial class OpenApiExamples
{
    private static readonly Guid TenantId = Guid.Parse("0195f0a2-7c41-7b7e-9d1a-3c5e2f4b6a01");
    private static readonly Guid StaffId = Guid.Parse("0195f0a2-7c41-7b7e-9d1a-3c5e2f4b6a02");
    private static readonly Guid ConsumerId = Guid.Parse("0195f0a2-7c41-7b7e-9d1a-3c5e2f4b6a03");
    private static readonly Guid ComplaintId = Guid.Parse("0195f0a2-7c41-7b7e-9d1a-3c5e2f4b6a04");
    private static readonly Guid NoteId = Guid.Parse("0195f0a2-7c41-7b7e-9d1a-3c5e2f4b6a05");
    private static readonly Guid AuditId = Guid.Parse("0195f0a2-7c41-7b7e-9d1a-3c5e2f4b6a06");
    private static readonly Guid QueueId = Guid.Parse("0195f0a2-7c41-7b7e-9d1a-3c5e2f4b6a0c");
    private static readonly DateTimeOffset Received = new(2026, 11, 2, 9, 30, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Now = new(2026, 11, 3, 14, 5, 0, TimeSpan.Zero);

    private static readonly AddressDto Address = new(["1 Example Street"], "London", "SW1A 1AA", "GB");

    private static readonly ConsumerDto Consumer = new(ConsumerId, "CUST-000123", "Jane Example", "jane@example.com", "+44 7700 900123",
        Address, new DateOnly(1980, 4, 12), new VulnerabilityDto([VulnerabilityDriver.LifeEvent], ConsentRecorded: true), LegalHold: false,
        Received, Now, Version: 2);

    private static readonly ComplaintDto Complaint = new(ComplaintId, "CMP-2026-000042", ConsumerId, Channel.Web, "current_account",
        ProductVersion: 3, "fees", CategoryVersion: 1, "I was charged twice for the same transfer.", Priority.Normal,
        VulnerabilityInvolved: false, new ComplaintVulnerabilityDto(false, [], null), PaymentServices: false,
        Disability: false, "uk_banking_fca_disp1", RegulatoryProfileVersion: 3, ComplaintStatus.Acknowledged, StaffId, Received, AcknowledgedAt: Now,
        SummaryResolutionAt: null, FinalResponseAt: null, ResolvedAt: null, ClosedAt: null, ReopenedAt: null, Outcome: null, Redress: null,
        RootCause: null, RootCauseVersion: null, Referral: null, Responses: [], ClosureBand: null, MergedIntoId: null,
        [
            new DeadlineDto(DeadlineKind.SummaryResolution, new DateTimeOffset(2026, 11, 5, 23, 59, 59, TimeSpan.Zero), null, false),
            new DeadlineDto(DeadlineKind.FinalResponse, new DateTimeOffset(2026, 12, 28, 23, 59, 59, TimeSpan.Zero), null, false),
        ],
        NextDueAt: new DateTimeOffset(2026, 11, 5, 23, 59, 59, TimeSpan.Zero), Overdue: false, Received, Now, Version: 2)
    {
        QueueId = QueueId,
    };

    private static readonly StaffDto Staff = new(StaffId, "agent-17", "agent17@bank.example", "Sam Agent", StaffKind.User, [Role.Agent],
        IsActive: true, Received, Version: 1);

    private static readonly NoteDto Note = new(NoteId, ComplaintId, NoteKind.Internal, "Called the consumer; statement requested.",
        StaffId, Now);

    private static readonly AuditEntryDto AuditEntry = new(AuditId, Now, ActorType.Staff, StaffId.ToString(), "complaint.acknowledged",
        "complaint", ComplaintId, ["status", "acknowledgedAt"], "4bf92f3577b34da6a3ce929d0e0e4736");

    private static readonly Guid EventId = Guid.Parse("0195f0a2-7c41-7b7e-9d1a-3c5e2f4b6a07");
    private static readonly Guid WebhookId = Guid.Parse("0195f0a2-7c41-7b7e-9d1a-3c5e2f4b6a08");

    private static readonly EventDto Event = new(42, EventId, "complaint.acknowledged", "complaint", ComplaintId, 2, Now,
        ["status", "acknowledgedAt"]);

    private static readonly WebhookDto Webhook = new(WebhookId, "https://hooks.bank.example/cms", ["complaint.*", "consumer.erased"],
        Active: true, Version: 1, Received, Received, DeliveredPosition: 42, Failures: 0, NextAttemptAt: Now);

    private static readonly Dictionary<Type, object> Examples = new()
    {
        [typeof(Import.ConsumerImportReport)] = new Import.ConsumerImportReport(AuditId, 2, 1, 0, 1, 0.12,
            [new Application.Consumers.ImportConsumers.ConsumerImportError(2, "validation", "fullName", "'fullName' is required.")], false),
        [typeof(CreateTenantCommand)] = new CreateTenantCommand("Example Bank plc", Sector.Banking, Jurisdiction.UK,
            new TenantAdminInput("alice", "alice@bank.example", "Alice Admin")),
        [typeof(TenantDto)] = new TenantDto(TenantId, "Example Bank plc", Sector.Banking, Jurisdiction.UK, TenantStatus.Active,
            "uk_banking_fca_disp1", Received),
        [typeof(Application.Tenants.TenantStatusChangeInput)] =
            new Application.Tenants.TenantStatusChangeInput("Contract ended; awaiting the final export."),
        [typeof(AddStaffCommand)] = new AddStaffCommand("agent-17", "agent17@bank.example", "Sam Agent", [Role.Agent], StaffKind.User),
        [typeof(StaffDto)] = Staff,
        [typeof(StaffEndpoints.ReplaceRolesBody)] = new StaffEndpoints.ReplaceRolesBody([Role.Agent, Role.Supervisor]),
        [typeof(StaffEndpoints.ReplaceQueuesBody)] = new StaffEndpoints.ReplaceQueuesBody(["cards", "vulnerable-customers"]),
        [typeof(StaffQueuesDto)] = new StaffQueuesDto(StaffId, ["cards", "vulnerable-customers"], Version: 3),
        [typeof(CreateQueueCommand)] = new CreateQueueCommand("cards", "Cards"),
        [typeof(QueueDto)] = new QueueDto(QueueId, "cards", "Cards", Retired: false, RetiredAt: null, Received, Version: 1),
        [typeof(ComplaintEndpoints.QueueBody)] = new ComplaintEndpoints.QueueBody("cards"),
        [typeof(RegisterConsumerCommand)] = new RegisterConsumerCommand("CUST-000123", "Jane Example", "jane@example.com",
            "+44 7700 900123", Address, new DateOnly(1980, 4, 12), new VulnerabilityDto([VulnerabilityDriver.LifeEvent], ConsentRecorded: true)),
        [typeof(ConsumerDto)] = Consumer,
        [typeof(ConsumerEndpoints.UpdateConsumerBody)] = new ConsumerEndpoints.UpdateConsumerBody(null, "jane.new@example.com", null, null, null),
        [typeof(ConsumerEndpoints.LegalHoldBody)] = new ConsumerEndpoints.LegalHoldBody(true),
        [typeof(FileComplaintCommand)] = new FileComplaintCommand(ConsumerId, Channel.Web, "current_account", "fees",
            "I was charged twice for the same transfer.", Received, Priority.Normal, VulnerabilityInvolved: false, PaymentServices: false,
            Disability: false)
        { Queue = "cards" },
        [typeof(ComplaintDto)] = Complaint,
        [typeof(ComplaintSummaryDto)] = new ComplaintSummaryDto(ComplaintId, "CMP-2026-000042", ConsumerId, Channel.Web, "current_account",
            "fees", Priority.Normal, ComplaintStatus.Acknowledged, StaffId, Received, Complaint.NextDueAt, Overdue: false, Version: 2)
        {
            QueueId = QueueId,
        },
        [typeof(ComplaintEndpoints.AssignBody)] = new ComplaintEndpoints.AssignBody(StaffId),
        [typeof(ComplaintEndpoints.ResolveBody)] = new ComplaintEndpoints.ResolveBody(Outcome.Upheld,
            new RedressDto(new MoneyDto(2500, "GBP"), "Apology letter"), "duplicate_payment"),
        [typeof(ComplaintEndpoints.ReferBody)] = new ComplaintEndpoints.ReferBody("Financial Ombudsman Service", "FOS-123456"),
        [typeof(ComplaintEndpoints.ReferralOutcomeBody)] = new ComplaintEndpoints.ReferralOutcomeBody(ReferralOutcome.UpheldForConsumer),
        [typeof(ComplaintEndpoints.NoteBody)] = new ComplaintEndpoints.NoteBody(NoteKind.Internal, "Called the consumer; statement requested."),
        [typeof(NoteDto)] = Note,
        [typeof(AuditEntryDto)] = AuditEntry,
        [typeof(Endpoints.ConsumerExportEndpoint.ConsumerExportDocument)] = new Endpoints.ConsumerExportEndpoint.ConsumerExportDocument(Now, Consumer,
            [new Endpoints.ConsumerExportEndpoint.ExportedComplaintDocument(Complaint, [], [Note], [AuditEntry])], [AuditEntry]),
        [typeof(ComplaintEndpoints.ReceivedAtBody)] = new ComplaintEndpoints.ReceivedAtBody(Received.AddDays(-2)),
        [typeof(ComplaintEndpoints.PaymentServicesBody)] = new ComplaintEndpoints.PaymentServicesBody(true),
        [typeof(ComplaintEndpoints.DisabilityBody)] = new ComplaintEndpoints.DisabilityBody(true),
        [typeof(ComplaintEndpoints.ProvisionalCreditBody)] = new ComplaintEndpoints.ProvisionalCreditBody(Now),
        [typeof(DueComplaintDto)] = new DueComplaintDto(ComplaintId, "CMP-2026-000042", ComplaintStatus.Acknowledged, StaffId, Priority.Normal,
            Received, DeadlineKind.FinalResponse, new DateTimeOffset(2026, 12, 28, 23, 59, 59, TimeSpan.Zero), Overdue: false, Version: 2)
        {
            QueueId = QueueId,
        },
        [typeof(CalendarDto)] = new CalendarDto("uk_banking_fca_disp1", 3, "Europe/London", HolidaySchedule.EnglandAndWales,
            BusinessDayBasis.Statutory, 2026,
            [new PublicHolidayDto(new DateOnly(2026, 12, 25), "Christmas Day"), new PublicHolidayDto(new DateOnly(2026, 12, 28), "Boxing Day (substitute day)")],
            [new ClosureDayDto(NoteId, new DateOnly(2026, 12, 24), "Christmas Eve closure")]),
        [typeof(CalendarEndpoints.ClosureDayBody)] = new CalendarEndpoints.ClosureDayBody("Christmas Eve closure"),
        [typeof(ClosureDayDto)] = new ClosureDayDto(NoteId, new DateOnly(2026, 12, 24), "Christmas Eve closure"),
        [typeof(ClockSettingsDto)] = new ClockSettingsDto(new InternalSlaDto(10, ClockUnit.BusinessDays), AtRiskDays: 3),
        [typeof(UpdateClockSettingsCommand)] = new UpdateClockSettingsCommand(new InternalSlaDto(10, ClockUnit.BusinessDays), AtRiskDays: 3),
        [typeof(AuditVerificationDto)] = new AuditVerificationDto(Valid: true, EntriesChecked: 18234, FirstBrokenEntryId: null, Problem: null),
        [typeof(EventPage)] = new EventPage([Event], Next: 42, HasMore: false),
        [typeof(WebhookEndpoints.CreateWebhookBody)] = new WebhookEndpoints.CreateWebhookBody("https://hooks.bank.example/cms",
            ["complaint.*", "consumer.erased"], Secret: null, After: null),
        [typeof(WebhookCreatedDto)] = new WebhookCreatedDto(Webhook, "whsec_3q2-7wAAAAAExampleExampleExampleExample00"),
        [typeof(WebhookDto)] = Webhook,
        [typeof(WebhookEndpoints.UpdateWebhookBody)] = new WebhookEndpoints.UpdateWebhookBody(null, ["complaint.*"], Active: true, Secret: null),
        [typeof(WebhookEndpoints.ReplayBody)] = new WebhookEndpoints.ReplayBody(FromPosition: 40),
        [typeof(WebhookAttemptDto)] = new WebhookAttemptDto(AuditId, 42, EventId, 1, Now, "delivered", 200, null, 87),
        [typeof(ComplaintEndpoints.ResponseBody)] = new ComplaintEndpoints.ResponseBody(ResponseType.HoldingResponse, Now),
        [typeof(ComplaintEndpoints.ClassifyBody)] = new ComplaintEndpoints.ClassifyBody("current_account", "fees"),
        [typeof(ComplaintEndpoints.VulnerabilityBody)] = new ComplaintEndpoints.VulnerabilityBody(true, [VulnerabilityDriver.LifeEvent], Now),
        [typeof(ComplaintEndpoints.MergeBody)] = new ComplaintEndpoints.MergeBody(ComplaintId),
        [typeof(TaxonomyEndpoints.PublishBody)] = new TaxonomyEndpoints.PublishBody([new TaxonomyEntryDto("current_account", "Current account")]),
        [typeof(TaxonomyDto)] = new TaxonomyDto(NoteId, TaxonomyKind.Product, 3, [new TaxonomyEntryDto("current_account", "Current account")],
            StaffId, Now),
        [typeof(ComplaintsReportDto)] = Report(),
    };

    private static ComplaintsReportDto Report()
    {
        var figures = new ReportFigures(120, 110, 40, 60, 10, 55, 12, 50, 5, [new MoneyDto(1_250_000, "GBP")]);
        return new ComplaintsReportDto(new DateOnly(2026, 1, 1), new DateOnly(2026, 6, 30), "Europe/London",
            new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 6, 30, 23, 0, 0, TimeSpan.Zero), figures,
            [new GroupFigures("current_account", figures)], [new GroupFigures("fees_error", figures)],
            new VulnerabilityFigures(14, 12, 5, 4, 3, 2), new ReliefFigures(40, 15, 55), new DisabilityFigures(0, 0, 0));
    }

    /// <summary>An example body rendered in a text media type (the report as CSV), or null when the media type is JSON.</summary>
    public static string? Text(object example, string mediaType) => (example, mediaType) switch
    {
        (ComplaintsReportDto report, Endpoints.ReportEndpoints.CsvMediaType) => Endpoints.ComplaintsReportCsv.Write(report),
        (Application.Reports.FcaReturn.FcaReturnDto report, Endpoints.ReportEndpoints.CsvMediaType) => Endpoints.FcaReturnCsv.Write(report),
        (Endpoints.TenantEndpoints.TenantExportStream export, Endpoints.TenantEndpoints.NdjsonMediaType) => export.Ndjson,
        _ => null,
    };

    /// <summary>The example of a body type, or null when the type has none (the OpenAPI test lists those).</summary>
    public static object? For(Type type)
    {
        if (Examples.TryGetValue(type, out var example) || ReturnExamples.TryGetValue(type, out example) || LetterExamples.TryGetValue(type, out example)
            || OffboardingExamples.TryGetValue(type, out example) || RetentionExamples.TryGetValue(type, out example))
        {
            return example;
        }

        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Page<>) && For(type.GetGenericArguments()[0]) is { } item)
        {
            var items = Array.CreateInstance(type.GetGenericArguments()[0], 1);
            items.SetValue(item, 0);
            return Activator.CreateInstance(type, items, "djF8NjM4OTc4NDQ1MDAwMDAwMDAwfDAxOTVmMGEyLTdjNDEtN2I3ZS05ZDFhLTNjNWUyZjRiNmEwNA");
        }

        return null;
    }
}
