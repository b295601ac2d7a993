using Cms.Application.Common;
using Cms.Domain.Common;
using Mediator;

namespace Cms.Application.Tenants.GetTenantOffboarding;

/// <summary><c>GET /v1/tenants/{id}/offboarding</c> (platform operators): the deletion's progress; 404 when none was asked for.</summary>
public sealed record GetTenantOffboardingQuery(Guid TenantId) : IQuery<Result<TenantOffboardingDto>>, IUseCaseMessage
{
    UseCase IUseCaseMessage.UseCase => UseCase.GetTenantOffboarding;
}

public sealed class GetTenantOffboardingValidator : IValidator<GetTenantOffboardingQuery>
{
    public void Validate(GetTenantOffboardingQuery request, ValidationErrors errors) => errors.Id("id", request.TenantId);
}

internal sealed class GetTenantOffboardingHandler(ITenantOffboardings offboardings)
    : IQueryHandler<GetTenantOffboardingQuery, Result<TenantOffboardingDto>>
{
    public async ValueTask<Result<TenantOffboardingDto>> Handle(GetTenantOffboardingQuery query, CancellationToken cancellationToken) =>
        await offboardings.GetAsync(query.TenantId, cancellationToken) is { } offboarding ? offboarding : Error.NotFound("tenant");
}
