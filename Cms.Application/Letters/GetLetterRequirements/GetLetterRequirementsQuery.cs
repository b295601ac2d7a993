using Cms.Application.Abstractions;
using Cms.Application.Common;
using Cms.Domain.Common;
using Cms.Domain.Letters;
using Mediator;

namespace Cms.Application.Letters.GetLetterRequirements;

/// <summary>The required elements of a letter type under the tenant's regulatory profile, and what in a template meets each.</summary>
public sealed record GetLetterRequirementsQuery(LetterType? Type) : IQuery<Result<LetterRequirementsDto>>, IUseCaseMessage
{
    UseCase IUseCaseMessage.UseCase => UseCase.GetLetterRequirements;
}

public sealed class GetLetterRequirementsValidator : IValidator<GetLetterRequirementsQuery>
{
    public void Validate(GetLetterRequirementsQuery request, ValidationErrors errors) => errors.Defined("type", request.Type);
}

internal sealed class GetLetterRequirementsHandler(ITenantRepository tenants, TenantScope scope)
    : IQueryHandler<GetLetterRequirementsQuery, Result<LetterRequirementsDto>>
{
    public async ValueTask<Result<LetterRequirementsDto>> Handle(GetLetterRequirementsQuery query, CancellationToken cancellationToken)
    {
        var tenant = await tenants.GetAsync(scope.Required, cancellationToken);
        if (tenant is null)
        {
            return Error.NotFound("tenant");
        }

        var rules = LetterRequirements.For(tenant.Profile.Code);
        var type = query.Type!.Value;
        return new LetterRequirementsDto(tenant.Profile.Code, type, rules.Name, rules.Version,
            [.. rules.For(type).Select(e => new RequiredElementDto(e.Code, e.Description, e.SatisfiedBy))]);
    }
}
