using Cms.Application.Common;
using Cms.Domain.Common;
using Mediator;

namespace Cms.Application.Staff.ListStaff;

public sealed record ListStaffQuery(int? Limit, string? Cursor) : IQuery<Result<Page<StaffDto>>>, IUseCaseMessage, IPagedRequest
{
    UseCase IUseCaseMessage.UseCase => UseCase.ListStaff;
}

public sealed class ListStaffValidator : IValidator<ListStaffQuery>
{
    public void Validate(ListStaffQuery request, ValidationErrors errors) => errors.Page(request);
}

internal sealed class ListStaffHandler(IStaffQueries staff) : IQueryHandler<ListStaffQuery, Result<Page<StaffDto>>>
{
    public async ValueTask<Result<Page<StaffDto>>> Handle(ListStaffQuery query, CancellationToken cancellationToken) =>
        await staff.ListAsync(query.EffectiveLimit(), query.After(), cancellationToken);
}
