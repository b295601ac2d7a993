using Cms.Application.Common;
using Cms.Domain.Common;
using Mediator;

namespace Cms.Application.Tenants.GetTenant;

public sealed record GetTenantQuery(Guid Id) : IQuery<Result<TenantDto>>, IUseCaseMessage
{
    UseCase IUseCaseMessage.UseCase => UseCase.GetTenant;
}

internal sealed class GetTenantHandler(ITenantQueries tenants) : IQueryHandler<GetTenantQuery, Result<TenantDto>>
{
    public async ValueTask<Result<TenantDto>> Handle(GetTenantQuery query, CancellationToken cancellationToken) =>
        await tenants.GetAsync(query.Id, cancellationToken) is { } tenant ? tenant : Error.NotFound("tenant");
}
