using Cms.Application.Common;
using Cms.Domain.Common;
using Mediator;

namespace Cms.Application.Reports.FcaReturn.GetFcaReturn;

/// <summary>The FCA consolidated return (PS25/19) of a legal entity for the six months from <paramref name="PeriodStart"/>,
/// computed now from the complaints (supervisor+, auditor).</summary>
public sealed record GetFcaReturnQuery(Guid LegalEntityId, string? PeriodStart) : IQuery<Result<FcaReturnDto>>, IUseCaseMessage
{
    UseCase IUseCaseMessage.UseCase => UseCase.GetFcaReturn;
}

public sealed class GetFcaReturnValidator : IValidator<GetFcaReturnQuery>
{
    public void Validate(GetFcaReturnQuery request, ValidationErrors errors) => FcaReturnInput.Validate(request.LegalEntityId, request.PeriodStart, errors);
}

internal sealed class GetFcaReturnHandler(FcaReturnCalculator calculator) : IQueryHandler<GetFcaReturnQuery, Result<FcaReturnDto>>
{
    public async ValueTask<Result<FcaReturnDto>> Handle(GetFcaReturnQuery query, CancellationToken cancellationToken)
    {
        FcaReturnInput.TryParsePeriod(query.PeriodStart, out var period);
        // Another tenant's entity id is answered exactly like a missing one.
        if (await calculator.ReadAsync(query.LegalEntityId, period, cancellationToken) is not { } figures)
        {
            return Error.NotFound("legal_entity");
        }

        return figures.Build(null);
    }
}
