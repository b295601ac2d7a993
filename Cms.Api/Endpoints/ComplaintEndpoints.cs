using System.ComponentModel.DataAnnotations;
using Cms.Api.Http;
using Cms.Application.Audit;
using Cms.Application.Common;
using Cms.Application.Complaints;
using Cms.Application.Complaints.AcknowledgeComplaint;
using Cms.Application.Complaints.AddNote;
using Cms.Application.Complaints.AssignComplaint;
using Cms.Application.Complaints.AwaitConsumer;
using Cms.Application.Complaints.CloseComplaint;
using Cms.Application.Complaints.CorrectReceivedAt;
using Cms.Application.Complaints.FileComplaint;
using Cms.Application.Complaints.GetComplaint;
using Cms.Application.Complaints.GetComplaintHistory;
using Cms.Application.Complaints.ListComplaints;
using Cms.Application.Complaints.ListDueComplaints;
using Cms.Application.Complaints.ListNotes;
using Cms.Application.Complaints.MergeComplaints;
using Cms.Application.Complaints.MoveComplaintQueue;
using Cms.Application.Complaints.ReclassifyComplaint;
using Cms.Application.Complaints.RecordProvisionalCredit;
using Cms.Application.Complaints.RecordReferralOutcome;
using Cms.Application.Complaints.RecordResponse;
using Cms.Application.Complaints.RecordVulnerability;
using Cms.Application.Complaints.ReferComplaint;
using Cms.Application.Complaints.ReopenComplaint;
using Cms.Application.Complaints.ResolveComplaint;
using Cms.Application.Complaints.SetDisability;
using Cms.Application.Complaints.SetPaymentServices;
using Cms.Application.Complaints.StartInvestigation;
using Cms.Domain.Common;
using Cms.Domain.Complaints;
using Cms.Domain.Consumers;
using Cms.Domain.Regulation;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Cms.Api.Endpoints;

public static class ComplaintEndpoints
{
    public sealed record AssignBody(Guid AssigneeId);

    public sealed record ResolveBody([Required] Outcome? Outcome, RedressDto? Redress, string? RootCause);

    public sealed record ReferBody([Required] string? Body, string? Reference);

    public sealed record ReferralOutcomeBody([Required] ReferralOutcome? Outcome);

    public sealed record NoteBody([Required] NoteKind? Kind, [Required] string? Body);

    public sealed record ResponseBody([Required] ResponseType? Type, [Required] DateTimeOffset? SentAt);

    public sealed record ClassifyBody([Required] string? Product, [Required] string? Category);

    public sealed record VulnerabilityBody([Required] bool? Involved, IReadOnlyList<VulnerabilityDriver>? Drivers, DateTimeOffset? ConsentGivenAt);

    public sealed record MergeBody(Guid DuplicateId);

    public sealed record ReceivedAtBody([Required] DateTimeOffset? ReceivedAt);

    public sealed record PaymentServicesBody([Required] bool? PaymentServices);

    public sealed record DisabilityBody([Required] bool? Disability);

    public sealed record ProvisionalCreditBody([Required] DateTimeOffset? CreditedAt);

    /// <summary>The code of the queue to move to; null moves the complaint out of every queue.</summary>
    public sealed record QueueBody(string? Queue);

    public static void MapComplaintEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/complaints").WithTags("Complaints");
        group.MapPost("/", File).WithIdempotency().WithSummary("File a complaint; the answer carries its reference and deadlines (agent+, integration).")
            .ProducesProblem(StatusCodes.Status404NotFound); // the consumer or the legal entity named in the body
        group.MapGet("/{id}", Get).WithSummary("A complaint with status, deadlines and ETag (agent+, auditor, integration).");
        group.MapGet("/", List).WithSummary(
            "Complaints, oldest received first, keyset paged (agent+, auditor); queue (a queue code) and unassigned=true narrow it.");
        group.MapGet("/due", Due).WithSummary(
            "Open complaints by deadline, soonest first, keyset paged (agent+, auditor): overdue=true, withinDays=N or atRisk=true " +
            "(the tenant's at-risk window); per assigneeId, status, queue (a queue code) and unassigned=true; kind selects one deadline kind (e.g. internal_sla) " +
            "instead of each complaint's next regulatory deadline.");

        group.MapPost("/{id}/acknowledge", (Guid id, HttpContext http, ISender s, CancellationToken ct) =>
            Transition(http, s, v => new AcknowledgeComplaintCommand(id, v), ct)).WithSummary("received → acknowledged (If-Match).").RequiresIfMatch();
        group.MapPost("/{id}/start", (Guid id, HttpContext http, ISender s, CancellationToken ct) =>
            Transition(http, s, v => new StartInvestigationCommand(id, v), ct)).WithSummary("acknowledged | awaiting_consumer → investigating (If-Match).").RequiresIfMatch();
        group.MapPost("/{id}/await-consumer", (Guid id, HttpContext http, ISender s, CancellationToken ct) =>
            Transition(http, s, v => new AwaitConsumerCommand(id, v), ct)).WithSummary("investigating → awaiting_consumer (If-Match).").RequiresIfMatch();
        group.MapPost("/{id}/assign", (Guid id, AssignBody body, HttpContext http, ISender s, CancellationToken ct) =>
            Transition(http, s, v => new AssignComplaintCommand(id, v, body.AssigneeId), ct)).WithSummary("Assign to a staff member (If-Match).").RequiresIfMatch();
        group.MapPost("/{id}/resolve", (Guid id, ResolveBody body, HttpContext http, ISender s, CancellationToken ct) =>
            Transition(http, s, v => new ResolveComplaintCommand(id, v, body.Outcome, body.Redress, body.RootCause), ct))
            .WithSummary("Resolve with outcome, redress and root cause (If-Match).").RequiresIfMatch();
        group.MapPost("/{id}/close", (Guid id, HttpContext http, ISender s, CancellationToken ct) =>
            Transition(http, s, v => new CloseComplaintCommand(id, v), ct)).WithSummary("resolved → closed (If-Match).").RequiresIfMatch();
        group.MapPost("/{id}/reopen", (Guid id, HttpContext http, ISender s, CancellationToken ct) =>
            Transition(http, s, v => new ReopenComplaintCommand(id, v), ct)).WithSummary("closed → investigating (supervisor+, If-Match).").RequiresIfMatch();
        group.MapPost("/{id}/refer", (Guid id, ReferBody body, HttpContext http, ISender s, CancellationToken ct) =>
            Transition(http, s, v => new ReferComplaintCommand(id, v, body.Body, body.Reference), ct))
            .WithSummary("Record a referral to an ombudsman or ADR body (If-Match).").RequiresIfMatch();
        group.MapPost("/{id}/referral-outcome", (Guid id, ReferralOutcomeBody body, HttpContext http, ISender s, CancellationToken ct) =>
            Transition(http, s, v => new RecordReferralOutcomeCommand(id, v, body.Outcome), ct))
            .WithSummary("Record the referral's outcome (If-Match).").RequiresIfMatch();

        group.MapPost("/{id}/responses", (Guid id, ResponseBody body, HttpContext http, ISender s, CancellationToken ct) =>
            Transition(http, s, v => new RecordResponseCommand(id, v, body.Type, body.SentAt), ct))
            .WithSummary("Record a holding response or an ADR (deadlock) letter sent to the consumer, with its date (agent+, If-Match).")
            .RequiresIfMatch().WithIdempotency();
        group.MapPost("/{id}/classify", (Guid id, ClassifyBody body, HttpContext http, ISender s, CancellationToken ct) =>
            Transition(http, s, v => new ReclassifyComplaintCommand(id, v, body.Product, body.Category), ct))
            .WithSummary("Change product and category: codes of the tenant's taxonomies when it keeps them (agent+, If-Match).")
            .RequiresIfMatch();
        group.MapPut("/{id}/vulnerability", (Guid id, VulnerabilityBody body, HttpContext http, ISender s, CancellationToken ct) =>
            Transition(http, s, v => new RecordVulnerabilityCommand(id, v, body.Involved, body.Drivers, body.ConsentGivenAt), ct))
            .WithSummary("Record vulnerability involvement and, with the consumer's consent (time), its FG21/1 drivers (agent+, If-Match).")
            .RequiresIfMatch();
        group.MapPost("/{id}/merge", (Guid id, MergeBody body, HttpContext http, ISender s, CancellationToken ct) =>
            Transition(http, s, v => new MergeComplaintsCommand(id, v, body.DuplicateId), ct))
            .WithSummary("Merge a duplicate into this complaint: earliest received date kept, both histories kept (agent+, If-Match).")
            .RequiresIfMatch();

        group.MapPost("/{id}/received-at", (Guid id, ReceivedAtBody body, HttpContext http, ISender s, CancellationToken ct) =>
            Transition(http, s, v => new CorrectReceivedAtCommand(id, v, body.ReceivedAt), ct))
            .WithSummary("Correct when the complaint was received; every deadline is recomputed (agent+, If-Match).").RequiresIfMatch();
        group.MapPost("/{id}/payment-services", (Guid id, PaymentServicesBody body, HttpContext http, ISender s, CancellationToken ct) =>
            Transition(http, s, v => new SetPaymentServicesCommand(id, v, body.PaymentServices), ct))
            .WithSummary("Set or clear the payment-services flag (PSD2/EMD, Regulation E); deadlines are recomputed (agent+, If-Match).").RequiresIfMatch();
        group.MapPost("/{id}/disability", (Guid id, DisabilityBody body, HttpContext http, ISender s, CancellationToken ct) =>
            Transition(http, s, v => new SetDisabilityCommand(id, v, body.Disability), ct))
            .WithSummary("Set or clear the disability flag (14 CFR 382); deadlines are recomputed (agent+, If-Match).").RequiresIfMatch();
        group.MapPost("/{id}/provisional-credit", (Guid id, ProvisionalCreditBody body, HttpContext http, ISender s, CancellationToken ct) =>
            Transition(http, s, v => new RecordProvisionalCreditCommand(id, v, body.CreditedAt), ct))
            .WithSummary("Record when provisional credit was given (Regulation E): it meets the 10-business-day deadline and the 45-day one binds (agent+, If-Match).")
            .RequiresIfMatch();

        group.MapPost("/{id}/queue", (Guid id, QueueBody body, HttpContext http, ISender s, CancellationToken ct) =>
            Transition(http, s, v => new MoveComplaintQueueCommand(id, v, body.Queue), ct))
            .WithSummary("Move the complaint to another queue, or out of every queue with queue: null; the assignee stays (supervisor+, If-Match).")
            .RequiresIfMatch();

        group.MapPost("/{id}/notes", AddNote).WithIdempotency().WithSummary("Add an internal note or a consumer communication (agent+).");
        group.MapGet("/{id}/notes", ListNotes).WithSummary("The notes of a complaint, oldest first (agent+, auditor).");
        group.MapGet("/{id}/history", History).WithSummary("The audit timeline of a complaint (agent+, auditor).");
    }

    private static async Task<Results<Created<ComplaintDto>, ProblemHttpResult>> File(FileComplaintCommand body,
        ISender sender, CancellationToken ct) =>
        Responses.Created(await sender.Send(body, ct), c => $"/v1/complaints/{c.Id}");

    private static async Task<Results<Ok<ComplaintDto>, ProblemHttpResult>> Get(Guid id, ISender sender,
        CancellationToken ct) =>
        Responses.Ok(await sender.Send(new GetComplaintQuery(id), ct));

    private static async Task<Results<WrittenOk<Page<ComplaintSummaryDto>>, ProblemHttpResult>> List(string? status, Guid? assigneeId,
        string? category, Guid? consumerId, DateTimeOffset? dueBefore, bool? overdue, DateTimeOffset? receivedFrom,
        DateTimeOffset? receivedTo, string? queue, bool? unassigned, string? reference, string? q, string? product, string? channel,
        bool? vulnerable, int? limit, string? cursor, ISender sender, CancellationToken ct)
    {
        ComplaintStatus? parsedStatus = null;
        if (status is not null)
        {
            if (!WireNames.TryParse<ComplaintStatus>(status, out var s))
            {
                return Problems.From(Error.Validation("status", $"'status' must be one of: {string.Join(", ", WireNames.All<ComplaintStatus>())}."));
            }

            parsedStatus = s;
        }

        Channel? parsedChannel = null;
        if (channel is not null)
        {
            if (!WireNames.TryParse<Channel>(channel, out var c))
            {
                return Problems.From(Error.Validation("channel", $"'channel' must be one of: {string.Join(", ", WireNames.All<Channel>())}."));
            }

            parsedChannel = c;
        }

        return Responses.Ok(await sender.Send(new ListComplaintsQuery(parsedStatus, assigneeId, category, consumerId, dueBefore, overdue,
            receivedFrom, receivedTo, limit, cursor)
        {
            Queue = queue,
            Unassigned = unassigned,
            Reference = reference,
            Q = q,
            Product = product,
            Channel = parsedChannel,
            Vulnerable = vulnerable,
        }, ct), ComplaintListJson.Write);
    }

    private static async Task<Results<Ok<Page<DueComplaintDto>>, ProblemHttpResult>> Due(bool? overdue, int? withinDays, bool? atRisk,
        Guid? assigneeId, string? status, string? kind, string? queue, bool? unassigned, int? limit, string? cursor, ISender sender,
        CancellationToken ct)
    {
        ComplaintStatus? parsedStatus = null;
        if (status is not null)
        {
            if (!WireNames.TryParse<ComplaintStatus>(status, out var s))
            {
                return Problems.From(Error.Validation("status", $"'status' must be one of: {string.Join(", ", WireNames.All<ComplaintStatus>())}."));
            }

            parsedStatus = s;
        }

        DeadlineKind? parsedKind = null;
        if (kind is not null)
        {
            if (!WireNames.TryParse<DeadlineKind>(kind, out var k))
            {
                return Problems.From(Error.Validation("kind", $"'kind' must be one of: {string.Join(", ", WireNames.All<DeadlineKind>())}."));
            }

            parsedKind = k;
        }

        return Responses.Ok(await sender.Send(
            new ListDueComplaintsQuery(overdue, withinDays, atRisk, assigneeId, parsedStatus, parsedKind, limit, cursor)
            {
                Queue = queue,
                Unassigned = unassigned,
            }, ct));
    }

    private static async Task<Results<Ok<ComplaintDto>, ProblemHttpResult>> Transition(HttpContext http, ISender sender,
        Func<long, ICommand<Result<ComplaintDto>>> command, CancellationToken ct)
    {
        var ifMatch = Responses.RequiredIfMatch(http.Request);
        return ifMatch.IsSuccess
            ? Responses.Ok(await sender.Send(command(ifMatch.Value), ct))
            : Problems.From(ifMatch.Error);
    }

    private static async Task<Results<Created<NoteDto>, ProblemHttpResult>> AddNote(Guid id, NoteBody body, ISender sender,
        CancellationToken ct) =>
        Responses.Created(await sender.Send(new AddNoteCommand(id, body.Kind, body.Body), ct), n => $"/v1/complaints/{id}/notes");

    private static async Task<Results<Ok<Page<NoteDto>>, ProblemHttpResult>> ListNotes(Guid id, int? limit, string? cursor,
        ISender sender, CancellationToken ct) =>
        Responses.Ok(await sender.Send(new ListNotesQuery(id, limit, cursor), ct));

    private static async Task<Results<Ok<Page<AuditEntryDto>>, ProblemHttpResult>> History(Guid id, int? limit, string? cursor,
        ISender sender, CancellationToken ct) =>
        Responses.Ok(await sender.Send(new GetComplaintHistoryQuery(id, limit, cursor), ct));
}
