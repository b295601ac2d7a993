using Cms.Application.Behaviours;
using Cms.Application.Tenants.CreateTenant;

namespace Cms.Api;

public static class MediatorSetup
{
    /// <summary>
    /// The one place the mediator is wired (the source generator must see this call): handlers from Cms.Application,
    /// behaviours in order tracing/logging → authorization → validation → transaction (commands only; the one owner
    /// of the request's transaction) → idempotency (commands carrying an Idempotency-Key: after authorization, inside the
    /// transaction; docs/adr/0006).
    /// Called by the host and by the tests.
    /// </summary>
    public static IServiceCollection AddCmsMediator(this IServiceCollection services) =>
        services.AddMediator(options =>
        {
            options.ServiceLifetime = ServiceLifetime.Scoped;
            options.Assemblies = [typeof(CreateTenantCommand)];
            options.PipelineBehaviors =
            [
                typeof(TracingBehaviour<,>),
                typeof(AuthorizationBehaviour<,>),
                typeof(ValidationBehaviour<,>),
                typeof(TransactionBehaviour<,>),
                typeof(IdempotencyBehaviour<,>),
            ];
        });
}
