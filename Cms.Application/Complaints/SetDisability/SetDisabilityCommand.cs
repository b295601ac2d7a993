using Cms.Application.Abstractions;
using Cms.Application.Audit;
using Cms.Application.Common;
using Cms.Domain.Common;
using Cms.Domain.Complaints;
using Mediator;

namespace Cms.Application.Complaints.SetDisability;

/// <summary>Sets or clears the disability flag (14 CFR 382) (If-Match).</summary>
public sealed record SetDisabilityCommand(Guid ComplaintId, long ExpectedVersion, bool? Disability)
    : ICommand<Result<ComplaintDto>>, IComplaintTransition
{
    UseCase IUseCaseMessage.UseCase => UseCase.SetDisability;
}

public sealed class SetDisabilityValidator : IValidator<SetDisabilityCommand>
{
    public void Validate(SetDisabilityCommand request, ValidationErrors errors)
    {
        if (request.Disability is null)
        {
            errors.Add("disability", "'disability' (true or false) is required.");
        }
    }
}

internal sealed class SetDisabilityHandler(
    ITenantClockRepository clocks, IComplaintRepository complaints, IComplaintQueries queries, CallerContext caller, AuditTrail audit,
    TimeProvider clock)
    : ComplaintTransitionHandler<SetDisabilityCommand>(complaints, queries, caller, audit, clock)
{
    protected override string Action => "complaint.disability_set";

    protected override async ValueTask<Result> ApplyAsync(Complaint complaint, SetDisabilityCommand command, DateTimeOffset now,
        CancellationToken cancellationToken) =>
        complaint.SetDisability(command.Disability!.Value,
            await TenantClocks.ForAsync(clocks, complaint.Profile, complaint.ReceivedAt, cancellationToken), now);
}
