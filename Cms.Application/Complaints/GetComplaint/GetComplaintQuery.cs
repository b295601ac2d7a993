using Cms.Application.Common;
using Cms.Domain.Common;
using Mediator;

namespace Cms.Application.Complaints.GetComplaint;

public sealed record GetComplaintQuery(Guid Id) : IQuery<Result<ComplaintDto>>, IUseCaseMessage, IComplaintScoped
{
    UseCase IUseCaseMessage.UseCase => UseCase.GetComplaint;

    Guid IComplaintScoped.ComplaintId => Id;
}

internal sealed class GetComplaintHandler(IComplaintQueries complaints, TimeProvider clock)
    : IQueryHandler<GetComplaintQuery, Result<ComplaintDto>>
{
    public async ValueTask<Result<ComplaintDto>> Handle(GetComplaintQuery query, CancellationToken cancellationToken) =>
        await complaints.GetAsync(query.Id, clock.GetUtcNow(), cancellationToken) is { } complaint
            ? complaint
            : Error.NotFound("complaint");
}
