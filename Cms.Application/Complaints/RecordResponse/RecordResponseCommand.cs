using Cms.Application.Abstractions;
using Cms.Application.Audit;
using Cms.Application.Common;
using Cms.Domain.Common;
using Cms.Domain.Complaints;
using Mediator;

namespace Cms.Application.Complaints.RecordResponse;

/// <summary>
/// Records a holding response or an ADR (deadlock) letter sent to the consumer, with the time it was sent. It meets the
/// deadlines the complaint's profile version lets it meet and may make a later deadline bind (docs/regulatory-clocks.md).
/// </summary>
public sealed record RecordResponseCommand(Guid ComplaintId, long ExpectedVersion, ResponseType? Type, DateTimeOffset? SentAt)
    : ICommand<Result<ComplaintDto>>, IComplaintTransition
{
    UseCase IUseCaseMessage.UseCase => UseCase.RecordResponse;
}

public sealed class RecordResponseValidator : IValidator<RecordResponseCommand>
{
    public void Validate(RecordResponseCommand request, ValidationErrors errors)
    {
        errors.Defined("type", request.Type);
        if (request.SentAt is null)
        {
            errors.Add("sentAt", "'sentAt' is required: when the response was sent.");
        }
    }
}

internal sealed class RecordResponseHandler(
    ITenantClockRepository clocks, IComplaintRepository complaints, IComplaintQueries queries, CallerContext caller, AuditTrail audit,
    TimeProvider clock)
    : ComplaintTransitionHandler<RecordResponseCommand>(complaints, queries, caller, audit, clock)
{
    protected override string Action => "complaint.response_recorded";

    protected override async ValueTask<Result> ApplyAsync(Complaint complaint, RecordResponseCommand command, DateTimeOffset now,
        CancellationToken cancellationToken) =>
        complaint.RecordResponse(Ids.New(), command.Type!.Value, command.SentAt!.Value.ToUniversalTime(), Caller.Staff?.Id,
            await TenantClocks.ForAsync(clocks, complaint.Profile, complaint.ReceivedAt, cancellationToken), now);
}
