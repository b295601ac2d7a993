using Cms.Application.Abstractions;
using Cms.Application.Audit;
using Cms.Application.Common;
using Cms.Domain.Common;
using Cms.Domain.Complaints;
using Mediator;

namespace Cms.Application.Complaints.ReferComplaint;

/// <summary>Records that the consumer referred the complaint to an ombudsman or ADR body.</summary>
public sealed record ReferComplaintCommand(Guid ComplaintId, long ExpectedVersion, string? Body, string? Reference)
    : ICommand<Result<ComplaintDto>>, IComplaintTransition
{
    UseCase IUseCaseMessage.UseCase => UseCase.ReferComplaint;
}

public sealed class ReferComplaintValidator : IValidator<ReferComplaintCommand>
{
    public void Validate(ReferComplaintCommand request, ValidationErrors errors)
    {
        errors.Required("body", request.Body, Limits.ReferralBody);
        errors.Optional("reference", request.Reference, Limits.ReferralReference);
    }
}

internal sealed class ReferComplaintHandler(
    IComplaintRepository complaints, IComplaintQueries queries, CallerContext caller, AuditTrail audit, TimeProvider clock)
    : ComplaintTransitionHandler<ReferComplaintCommand>(complaints, queries, caller, audit, clock)
{
    protected override string Action => "complaint.referred";

    protected override ValueTask<Result> ApplyAsync(Complaint complaint, ReferComplaintCommand command, DateTimeOffset now,
        CancellationToken cancellationToken) => ValueTask.FromResult(complaint.Refer(command.Body!, command.Reference, now));
}
