using Cms.Application.Abstractions;
using Cms.Application.Audit;
using Cms.Application.Common;
using Cms.Application.Taxonomies;
using Cms.Domain.Common;
using Cms.Domain.Complaints;
using Cms.Domain.Taxonomies;
using Mediator;

namespace Cms.Application.Complaints.ReclassifyComplaint;

/// <summary>Changes a complaint's product and category (codes of the tenant's current taxonomies when it keeps them).</summary>
public sealed record ReclassifyComplaintCommand(Guid ComplaintId, long ExpectedVersion, string? Product, string? Category)
    : ICommand<Result<ComplaintDto>>, IComplaintTransition
{
    UseCase IUseCaseMessage.UseCase => UseCase.ReclassifyComplaint;
}

public sealed class ReclassifyComplaintValidator : IValidator<ReclassifyComplaintCommand>
{
    public void Validate(ReclassifyComplaintCommand request, ValidationErrors errors)
    {
        errors.Required("product", request.Product, Limits.Product);
        errors.Required("category", request.Category, Limits.Category);
    }
}

internal sealed class ReclassifyComplaintHandler(
    IComplaintRepository complaints, IComplaintQueries queries, ITaxonomyRepository taxonomies, CallerContext caller, AuditTrail audit,
    TimeProvider clock)
    : ComplaintTransitionHandler<ReclassifyComplaintCommand>(complaints, queries, caller, audit, clock)
{
    protected override string Action => "complaint.reclassified";

    protected override async ValueTask<Result> ApplyAsync(Complaint complaint, ReclassifyComplaintCommand command, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var product = await Classification.ResolveAsync(taxonomies, TaxonomyKind.Product, "product", command.Product!, cancellationToken);
        if (!product.IsSuccess)
        {
            return product.Error;
        }

        var category = await Classification.ResolveAsync(taxonomies, TaxonomyKind.Category, "category", command.Category!, cancellationToken);
        if (!category.IsSuccess)
        {
            return category.Error;
        }

        return complaint.Reclassify(product.Value.Code, product.Value.Version, category.Value.Code, category.Value.Version, now);
    }
}
