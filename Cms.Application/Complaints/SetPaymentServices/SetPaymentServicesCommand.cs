using Cms.Application.Abstractions;
using Cms.Application.Audit;
using Cms.Application.Common;
using Cms.Domain.Common;
using Cms.Domain.Complaints;
using Mediator;

namespace Cms.Application.Complaints.SetPaymentServices;

/// <summary>Sets or clears the payment-services flag (PSD2 / EMD in the UK and EU, Regulation E in the US) (If-Match).</summary>
public sealed record SetPaymentServicesCommand(Guid ComplaintId, long ExpectedVersion, bool? PaymentServices)
    : ICommand<Result<ComplaintDto>>, IComplaintTransition
{
    UseCase IUseCaseMessage.UseCase => UseCase.SetPaymentServices;
}

public sealed class SetPaymentServicesValidator : IValidator<SetPaymentServicesCommand>
{
    public void Validate(SetPaymentServicesCommand request, ValidationErrors errors)
    {
        if (request.PaymentServices is null)
        {
            errors.Add("paymentServices", "'paymentServices' (true or false) is required.");
        }
    }
}

internal sealed class SetPaymentServicesHandler(
    ITenantClockRepository clocks, IComplaintRepository complaints, IComplaintQueries queries, CallerContext caller, AuditTrail audit,
    TimeProvider clock)
    : ComplaintTransitionHandler<SetPaymentServicesCommand>(complaints, queries, caller, audit, clock)
{
    protected override string Action => "complaint.payment_services_set";

    protected override async ValueTask<Result> ApplyAsync(Complaint complaint, SetPaymentServicesCommand command, DateTimeOffset now,
        CancellationToken cancellationToken) =>
        complaint.SetPaymentServices(command.PaymentServices!.Value,
            await TenantClocks.ForAsync(clocks, complaint.Profile, complaint.ReceivedAt, cancellationToken), now);
}
