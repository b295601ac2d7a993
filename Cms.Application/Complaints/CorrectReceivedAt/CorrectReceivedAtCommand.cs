using Cms.Application.Abstractions;
using Cms.Application.Audit;
using Cms.Application.Common;
using Cms.Domain.Common;
using Cms.Domain.Complaints;
using Mediator;

namespace Cms.Application.Complaints.CorrectReceivedAt;

// The facts that drive a complaint's deadlines: when it was received, whether it is a payment-services complaint,
// whether it is a disability complaint. Changing one recomputes every deadline with the complaint's own profile
// version, the tenant's closure days and its internal SLA, in the same transaction as the audit entry.

/// <summary>Corrects the date and time the complaint was received (If-Match).</summary>
public sealed record CorrectReceivedAtCommand(Guid ComplaintId, long ExpectedVersion, DateTimeOffset? ReceivedAt)
    : ICommand<Result<ComplaintDto>>, IComplaintTransition
{
    UseCase IUseCaseMessage.UseCase => UseCase.CorrectReceivedAt;
}

public sealed class CorrectReceivedAtValidator : IValidator<CorrectReceivedAtCommand>
{
    public void Validate(CorrectReceivedAtCommand request, ValidationErrors errors)
    {
        if (request.ReceivedAt is null)
        {
            errors.Add("receivedAt", "'receivedAt' (an ISO-8601 instant) is required.");
        }
    }
}

internal sealed class CorrectReceivedAtHandler(
    ITenantClockRepository clocks, IComplaintRepository complaints, IComplaintQueries queries, CallerContext caller, AuditTrail audit,
    TimeProvider clock)
    : ComplaintTransitionHandler<CorrectReceivedAtCommand>(complaints, queries, caller, audit, clock)
{
    protected override string Action => "complaint.received_at_corrected";

    protected override async ValueTask<Result> ApplyAsync(Complaint complaint, CorrectReceivedAtCommand command, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var receivedAt = command.ReceivedAt!.Value.ToUniversalTime();
        var tenantClock = await TenantClocks.ForAsync(clocks, complaint.Profile, receivedAt, cancellationToken);
        return complaint.CorrectReceivedAt(receivedAt, tenantClock, now);
    }
}
