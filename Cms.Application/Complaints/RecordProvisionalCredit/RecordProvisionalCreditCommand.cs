using Cms.Application.Abstractions;
using Cms.Application.Audit;
using Cms.Application.Common;
using Cms.Domain.Common;
using Cms.Domain.Complaints;
using Mediator;

namespace Cms.Application.Complaints.RecordProvisionalCredit;

/// <summary>Records when provisional credit was given to the consumer's account (Regulation E) (If-Match).</summary>
public sealed record RecordProvisionalCreditCommand(Guid ComplaintId, long ExpectedVersion, DateTimeOffset? CreditedAt)
    : ICommand<Result<ComplaintDto>>, IComplaintTransition
{
    UseCase IUseCaseMessage.UseCase => UseCase.RecordProvisionalCredit;
}

public sealed class RecordProvisionalCreditValidator : IValidator<RecordProvisionalCreditCommand>
{
    public void Validate(RecordProvisionalCreditCommand request, ValidationErrors errors)
    {
        if (request.CreditedAt is null)
        {
            errors.Add("creditedAt", "'creditedAt' (an ISO-8601 instant: when the account was credited) is required.");
        }
    }
}

internal sealed class RecordProvisionalCreditHandler(
    ITenantClockRepository clocks, IComplaintRepository complaints, IComplaintQueries queries, CallerContext caller, AuditTrail audit,
    TimeProvider clock)
    : ComplaintTransitionHandler<RecordProvisionalCreditCommand>(complaints, queries, caller, audit, clock)
{
    protected override string Action => "complaint.provisional_credit_recorded";

    protected override async ValueTask<Result> ApplyAsync(Complaint complaint, RecordProvisionalCreditCommand command, DateTimeOffset now,
        CancellationToken cancellationToken) =>
        complaint.RecordProvisionalCredit(command.CreditedAt!.Value,
            await TenantClocks.ForAsync(clocks, complaint.Profile, complaint.ReceivedAt, cancellationToken), now);
}
