using Cms.Application.Abstractions;
using Cms.Application.Audit;
using Cms.Application.Common;
using Cms.Domain.Common;
using Cms.Domain.Complaints;
using Mediator;

namespace Cms.Application.Complaints.ResolveComplaint;

/// <summary>
/// Resolves a complaint: outcome, redress and root cause (a code of the tenant's root-cause taxonomy when it keeps one);
/// a summary resolution inside its window, a final response otherwise, recorded among the complaint's responses.
/// </summary>
public sealed record ResolveComplaintCommand(Guid ComplaintId, long ExpectedVersion, Outcome? Outcome, RedressDto? Redress, string? RootCause)
    : ICommand<Result<ComplaintDto>>, IComplaintTransition
{
    UseCase IUseCaseMessage.UseCase => UseCase.ResolveComplaint;
}

public sealed class ResolveComplaintValidator : IValidator<ResolveComplaintCommand>
{
    public void Validate(ResolveComplaintCommand request, ValidationErrors errors)
    {
        errors.Defined("outcome", request.Outcome);
        errors.Optional("rootCause", request.RootCause, Limits.RootCause);
        errors.Optional("redress.nonMonetary", request.Redress?.NonMonetary, Limits.NonMonetaryRedress);
        if (request.Redress?.Monetary is { } money && Money.Create(money.AmountMinor, money.Currency).Error is { } error)
        {
            foreach (var (field, messages) in error.Fields!)
            {
                errors.Add(field, messages[0]);
            }
        }
    }
}

internal sealed class ResolveComplaintHandler(
    IComplaintRepository complaints, IComplaintQueries queries, ITaxonomyRepository taxonomies, CallerContext caller, AuditTrail audit,
    TimeProvider clock)
    : ComplaintTransitionHandler<ResolveComplaintCommand>(complaints, queries, caller, audit, clock)
{
    protected override string Action => "complaint.resolved";

    protected override async ValueTask<Result> ApplyAsync(Complaint complaint, ResolveComplaintCommand command, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var resolution = await Resolutions.BuildAsync(taxonomies, command.Outcome!.Value, command.Redress, command.RootCause, "rootCause",
            cancellationToken);
        return resolution.IsSuccess ? complaint.Resolve(resolution.Value, now) : resolution.Error;
    }
}
