using Cms.Application.Common;
using Cms.Domain.Common;
using Mediator;

namespace Cms.Application.Tenants.ListTenants;

/// <summary>The platform's tenants in id order, keyset paged; <see cref="Name"/> narrows to an exact name.</summary>
public sealed record ListTenantsQuery(string? Name, int? Limit, string? Cursor) : IQuery<Result<Page<TenantDto>>>, IUseCaseMessage, IPagedRequest
{
    UseCase IUseCaseMessage.UseCase => UseCase.ListTenants;
}

public sealed class ListTenantsValidator : IValidator<ListTenantsQuery>
{
    public void Validate(ListTenantsQuery request, ValidationErrors errors)
    {
        errors.Optional("name", request.Name, Limits.Name);
        errors.Page(request);
    }
}

internal sealed class ListTenantsHandler(ITenantQueries tenants) : IQueryHandler<ListTenantsQuery, Result<Page<TenantDto>>>
{
    public async ValueTask<Result<Page<TenantDto>>> Handle(ListTenantsQuery query, CancellationToken cancellationToken) =>
        await tenants.ListAsync(query.Name?.Trim(), query.EffectiveLimit(), query.After(), cancellationToken);
}
