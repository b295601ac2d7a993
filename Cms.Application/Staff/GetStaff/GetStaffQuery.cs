using Cms.Application.Common;
using Cms.Domain.Common;
using Mediator;

namespace Cms.Application.Staff.GetStaff;

/// <summary>One staff member or service account of the caller's tenant (where POST /v1/staff's Location points).</summary>
public sealed record GetStaffQuery(Guid Id) : IQuery<Result<StaffDto>>, IUseCaseMessage
{
    UseCase IUseCaseMessage.UseCase => UseCase.GetStaff;
}

public sealed class GetStaffValidator : IValidator<GetStaffQuery>
{
    public void Validate(GetStaffQuery request, ValidationErrors errors) => errors.Id("id", request.Id);
}

internal sealed class GetStaffHandler(IStaffQueries staff) : IQueryHandler<GetStaffQuery, Result<StaffDto>>
{
    public async ValueTask<Result<StaffDto>> Handle(GetStaffQuery query, CancellationToken cancellationToken) =>
        await staff.GetAsync(query.Id, cancellationToken) is { } member ? member : Error.NotFound("staff");
}
