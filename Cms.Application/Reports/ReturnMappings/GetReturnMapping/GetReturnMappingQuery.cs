using Cms.Application.Common;
using Cms.Application.Reports.FcaReturn;
using Cms.Domain.Common;
using Cms.Domain.Taxonomies;
using Mediator;

namespace Cms.Application.Reports.ReturnMappings.GetReturnMapping;

/// <summary>The tenant's current mapping onto a reference taxonomy (agent+, auditor).</summary>
public sealed record GetReturnMappingQuery(TaxonomyKind Kind) : IQuery<Result<ReturnMappingDto>>, IUseCaseMessage
{
    UseCase IUseCaseMessage.UseCase => UseCase.GetReturnMapping;
}

public sealed class GetReturnMappingValidator : IValidator<GetReturnMappingQuery>
{
    public void Validate(GetReturnMappingQuery request, ValidationErrors errors) => ReturnMappingKinds.ValidateKind(request.Kind, errors);
}

internal sealed class GetReturnMappingHandler(FcaReturnCalculator calculator, IReturnMappingStore store)
    : IQueryHandler<GetReturnMappingQuery, Result<ReturnMappingDto>>
{
    public async ValueTask<Result<ReturnMappingDto>> Handle(GetReturnMappingQuery query, CancellationToken cancellationToken) =>
        new ReturnMappingDto(query.Kind, (await calculator.TaxonomyAsync(query.Kind, cancellationToken)).Version,
            await store.GetAsync(query.Kind, cancellationToken));
}
