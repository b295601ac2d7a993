using Cms.Application.Abstractions;
using Cms.Application.Audit;
using Cms.Application.Common;
using Cms.Domain.Common;
using Cms.Domain.Complaints;
using Cms.Domain.Regulation;
using Mediator;

namespace Cms.Application.Complaints.CorrectComplaintFacts;

// The facts that drive a complaint's deadlines: when it was received, whether it is a payment-services complaint,
// whether it is a disability complaint. Changing one recomputes every deadline with the complaint's own profile
// version, the tenant's closure days and its internal SLA, in the same transaction as the audit entry.

/// <summary>Corrects the date and time the complaint was received (If-Match).</summary>
public sealed record CorrectReceivedAtCommand(Guid ComplaintId, long ExpectedVersion, DateTimeOffset? ReceivedAt)
    : ICommand<Result<ComplaintDto>>, IComplaintTransition
{
    UseCase IUseCaseMessage.UseCase => UseCase.CorrectReceivedAt;
}

/// <summary>Sets or clears the payment-services flag (PSD2 / EMD in the UK and EU, Regulation E in the US) (If-Match).</summary>
public sealed record SetPaymentServicesCommand(Guid ComplaintId, long ExpectedVersion, bool? PaymentServices)
    : ICommand<Result<ComplaintDto>>, IComplaintTransition
{
    UseCase IUseCaseMessage.UseCase => UseCase.SetPaymentServices;
}

/// <summary>Sets or clears the disability flag (14 CFR 382) (If-Match).</summary>
public sealed record SetDisabilityCommand(Guid ComplaintId, long ExpectedVersion, bool? Disability)
    : ICommand<Result<ComplaintDto>>, IComplaintTransition
{
    UseCase IUseCaseMessage.UseCase => UseCase.SetDisability;
}

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

/// <summary>Loads the tenant's clock for a complaint received on a given day.</summary>
public static class TenantClocks
{
    public static Task<TenantClock> ForAsync(ITenantClockRepository clocks, RegulatoryProfile profile, DateTimeOffset receivedAt,
        CancellationToken cancellationToken)
    {
        var receivedDay = profile.Calendar.LocalDate(receivedAt);
        return clocks.GetClockAsync(receivedDay, RegulatoryProfile.HorizonOf(receivedDay), cancellationToken);
    }
}

public sealed class CorrectReceivedAtHandler(
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

public sealed class SetPaymentServicesHandler(
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

public sealed class SetDisabilityHandler(
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

public sealed class RecordProvisionalCreditHandler(
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
