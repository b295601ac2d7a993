using Cms.Application.Audit;
using Cms.Application.Complaints;
using Cms.Application.Webhooks;
using Cms.Domain.Audit;
using Cms.Domain.Complaints;
using Cms.Infrastructure.Audit;
using Cms.Infrastructure.Complaints;
using Cms.Infrastructure.Persistence;
using Cms.Infrastructure.Webhooks;
using Mapster;

namespace Cms.Tests.Infrastructure;

/// <summary>
/// The flat rows' one mapping to their DTOs (<see cref="Mapping"/>): every member carried, stored wire text parsed to
/// enums, stored JSON to lists, "overdue" against the caller's clock; and a DTO member without a source is refused when
/// the configuration compiles, not left at its default.
/// </summary>
public sealed class MappingTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 10, 0, 0, TimeSpan.Zero);

    [Test]
    public void A_complaint_list_row_becomes_its_summary_with_enums_parsed_and_overdue_against_the_clock()
    {
        var row = new ComplaintSummaryRow
        {
            Id = Guid.NewGuid(), Reference = "CMP-2026-000123", ConsumerId = Guid.NewGuid(), Channel = "phone", Product = "current_account",
            Category = "fees", Priority = "urgent", Status = "awaiting_consumer", AssigneeId = Guid.NewGuid(), ReceivedAt = Now.AddDays(-9),
            NextDueAt = Now.AddMinutes(-1), Version = 7, QueueId = Guid.NewGuid(),
        };

        var late = row.ToDto(Now);
        Assert.That(late, Is.EqualTo(new ComplaintSummaryDto(row.Id, row.Reference, row.ConsumerId, Channel.Phone, row.Product, row.Category,
            Priority.Urgent, ComplaintStatus.AwaitingConsumer, row.AssigneeId, row.ReceivedAt, row.NextDueAt, Overdue: true, 7)
        { QueueId = row.QueueId }));
        Assert.That(row.ToDto(Now.AddMinutes(-2)).Overdue, Is.False, "not yet due at an earlier clock");
        Assert.That(new ComplaintSummaryRow { Channel = "web", Priority = "low", Status = "closed" }.ToDto(Now).Overdue, Is.False,
            "no next deadline: never overdue");
    }

    [Test]
    public void An_audit_row_becomes_its_entry_with_the_changed_fields_read_from_json_and_no_values()
    {
        var row = new AuditRow
        {
            Id = Guid.NewGuid(), OccurredAt = Now, ActorType = "platform", ActorId = "op-1", Action = "tenant.suspended", EntityType = "tenant",
            EntityId = Guid.NewGuid(), ChangedFields = """["status","suspendedAt"]""", TraceId = "0af7651916cd43dd8448eb211c80319c",
            ChangedValues = "sealed",
        };

        var entry = Mapping.To<AuditEntryDto>(row);
        Assert.That(entry with { ChangedFields = [] }, Is.EqualTo(new AuditEntryDto(row.Id, Now, ActorType.Platform, "op-1", "tenant.suspended",
            "tenant", row.EntityId, [], row.TraceId)));
        Assert.That(entry.ChangedFields, Is.EqualTo(new[] { "status", "suspendedAt" }));
        Assert.That(entry.Changes, Is.Null, "the sealed values are opened by the caller, never mapped");
    }

    [Test]
    public void Attempt_and_response_rows_carry_every_member()
    {
        var attempt = new WebhookAttemptRow
        {
            Id = Guid.NewGuid(), EventPosition = 42, EventId = Guid.NewGuid(), Attempt = 3, AttemptedAt = Now, Outcome = "failed", StatusCode = 503,
            Error = "HTTP 503", DurationMs = 12,
        };
        Assert.That(Mapping.To<WebhookAttemptDto>(attempt), Is.EqualTo(new WebhookAttemptDto(attempt.Id, 42, attempt.EventId, 3, Now, "failed", 503,
            "HTTP 503", 12)));

        var response = new ResponseRow
        {
            Id = Guid.NewGuid(), ComplaintId = Guid.NewGuid(), Type = "final_response", SentAt = Now, RecordedBy = Guid.NewGuid(), RecordedAt = Now,
        };
        Assert.That(Mapping.To<ResponseDto>(response), Is.EqualTo(new ResponseDto(response.Id, response.ComplaintId, ResponseType.FinalResponse,
            Now, response.RecordedBy, Now)));
    }

    private sealed record WiderDto(Guid Id, string NotInTheRow);

    [Test]
    public void A_dto_member_without_a_source_fails_when_the_mapping_compiles()
    {
        Assert.That(Mapping.Config.RequireDestinationMemberSource, Is.True);
        var config = Mapping.Config.Clone();
        config.NewConfig<ResponseRow, WiderDto>();
        Assert.That(() => config.Compile(), Throws.InstanceOf<CompileException>());
    }
}
