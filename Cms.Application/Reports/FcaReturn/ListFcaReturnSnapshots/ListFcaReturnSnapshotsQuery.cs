using Cms.Application.Common;
using Cms.Application.Reports.FcaReturn.TakeFcaReturnSnapshot;
using Cms.Domain.Common;
using Mediator;

namespace Cms.Application.Reports.FcaReturn.ListFcaReturnSnapshots;

/// <summary>The snapshots of an entity's period, the original first, then each amendment (supervisor+, auditor).</summary>
public sealed record ListFcaReturnSnapshotsQuery(Guid LegalEntityId, string? PeriodStart)
    : IQuery<Result<IReadOnlyList<FcaReturnSnapshotDto>>>, IUseCaseMessage
{
    UseCase IUseCaseMessage.UseCase => UseCase.ListFcaReturnSnapshots;
}

public sealed class ListFcaReturnSnapshotsValidator : IValidator<ListFcaReturnSnapshotsQuery>
{
    public void Validate(ListFcaReturnSnapshotsQuery request, ValidationErrors errors) =>
        FcaReturnInput.Validate(request.LegalEntityId, request.PeriodStart, errors);
}

internal sealed class ListFcaReturnSnapshotsHandler(FcaReturnCalculator calculator, IFcaReturnSnapshotStore snapshots)
    : IQueryHandler<ListFcaReturnSnapshotsQuery, Result<IReadOnlyList<FcaReturnSnapshotDto>>>
{
    public async ValueTask<Result<IReadOnlyList<FcaReturnSnapshotDto>>> Handle(ListFcaReturnSnapshotsQuery query, CancellationToken cancellationToken)
    {
        FcaReturnInput.TryParsePeriod(query.PeriodStart, out var period);
        if (await calculator.EntityAsync(query.LegalEntityId, cancellationToken) is null)
        {
            return Error.NotFound("legal_entity");
        }

        return Result<IReadOnlyList<FcaReturnSnapshotDto>>.Success(await snapshots.ListAsync(query.LegalEntityId, period.Start, cancellationToken));
    }
}
