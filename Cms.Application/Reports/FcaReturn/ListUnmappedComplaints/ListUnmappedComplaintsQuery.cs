using Cms.Application.Common;
using Cms.Domain.Common;
using Mediator;

namespace Cms.Application.Reports.FcaReturn.ListUnmappedComplaints;

/// <summary>The complaints that count in a period's return but whose product or category maps to no FCA code (the first
/// <see cref="Limit"/>), so they are fixed while the period is open rather than when the return is due (supervisor+, auditor).</summary>
public sealed record ListUnmappedComplaintsQuery(Guid LegalEntityId, string? PeriodStart) : IQuery<Result<IReadOnlyList<UnmappedComplaintDto>>>, IUseCaseMessage
{
    public const int Limit = 1_000;

    UseCase IUseCaseMessage.UseCase => UseCase.ListUnmappedComplaints;
}

public sealed class ListUnmappedComplaintsValidator : IValidator<ListUnmappedComplaintsQuery>
{
    public void Validate(ListUnmappedComplaintsQuery request, ValidationErrors errors) =>
        FcaReturnInput.Validate(request.LegalEntityId, request.PeriodStart, errors);
}

internal sealed class ListUnmappedComplaintsHandler(FcaReturnCalculator calculator, IFcaReturnQueries queries)
    : IQueryHandler<ListUnmappedComplaintsQuery, Result<IReadOnlyList<UnmappedComplaintDto>>>
{
    public async ValueTask<Result<IReadOnlyList<UnmappedComplaintDto>>> Handle(ListUnmappedComplaintsQuery query, CancellationToken cancellationToken)
    {
        FcaReturnInput.TryParsePeriod(query.PeriodStart, out var period);
        if (await calculator.EntityAsync(query.LegalEntityId, cancellationToken) is not { } entity)
        {
            return Error.NotFound("legal_entity");
        }

        var (start, end, _) = await calculator.BoundsAsync(period, cancellationToken);
        return Result<IReadOnlyList<UnmappedComplaintDto>>.Success(
            await queries.UnmappedAsync(entity.Id, entity.IsDefault, start, end, ListUnmappedComplaintsQuery.Limit, cancellationToken));
    }
}
