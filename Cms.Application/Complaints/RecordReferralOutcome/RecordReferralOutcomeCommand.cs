using Cms.Application.Abstractions;
using Cms.Application.Audit;
using Cms.Application.Common;
using Cms.Domain.Common;
using Cms.Domain.Complaints;
using Mediator;

namespace Cms.Application.Complaints.RecordReferralOutcome;

/// <summary>Records the ombudsman's or ADR body's outcome of a referred complaint.</summary>
public sealed record RecordReferralOutcomeCommand(Guid ComplaintId, long ExpectedVersion, ReferralOutcome? Outcome)
    : ICommand<Result<ComplaintDto>>, IComplaintTransition
{
    UseCase IUseCaseMessage.UseCase => UseCase.RecordReferralOutcome;
}

public sealed class RecordReferralOutcomeValidator : IValidator<RecordReferralOutcomeCommand>
{
    public void Validate(RecordReferralOutcomeCommand request, ValidationErrors errors) => errors.Defined("outcome", request.Outcome);
}

internal sealed class RecordReferralOutcomeHandler(
    IComplaintRepository complaints, IComplaintQueries queries, CallerContext caller, AuditTrail audit, TimeProvider clock)
    : ComplaintTransitionHandler<RecordReferralOutcomeCommand>(complaints, queries, caller, audit, clock)
{
    protected override string Action => "complaint.referral_outcome_recorded";

    protected override ValueTask<Result> ApplyAsync(Complaint complaint, RecordReferralOutcomeCommand command, DateTimeOffset now,
        CancellationToken cancellationToken) => ValueTask.FromResult(complaint.RecordReferralOutcome(command.Outcome!.Value, now));
}
