using Cms.Application.Abstractions;
using Cms.Application.Audit;
using Cms.Application.Common;
using Cms.Application.Complaints;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Cms.Application;

public static class DependencyInjection
{
    /// <summary>Request-scoped context, the audit trail and every validator. (The mediator itself is wired by Cms.Api.)</summary>
    public static IServiceCollection AddCmsApplication(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddScoped<TenantScope>();
        services.AddScoped<CallerContext>();
        services.AddScoped<UseCaseScope>();
        services.AddScoped<IdempotentRequest>();
        services.TryAddSingleton(new IdempotencyOptions()); // defaults; the host registers Cms:Idempotency after this
        services.TryAddSingleton(new IdempotentAnswerFormat(System.Text.Json.JsonSerializerOptions.Web)); // the host's: its HTTP JSON options
        services.TryAddSingleton(new Webhooks.WebhookOptions()); // defaults; the host registers Cms:Webhooks after this
        services.AddScoped<AuditTrail>();
        services.AddScoped<Behaviours.PersonalAnswers>();
        services.AddScoped<DeadlineAlerts.EmitDeadlineAlerts.DeadlineAlertPass>();
        services.AddScoped<Consumers.ConsumerErasure>();
        services.AddScoped<Retention.RetentionReview>();
        services.AddScoped<Retention.EraseDueConsumers.RetentionPass>();
        services.AddScoped<Reports.FcaReturn.FcaReturnCalculator>();
        services.AddSingleton<AuditChain>(); // needs an AuditChainKey from the host's configuration
        services.AddSingleton<PlatformAudit.PlatformAuditChain>();
        services.AddScoped<PlatformAudit.PlatformAuditTrail>();

        foreach (var type in typeof(DependencyInjection).Assembly.GetTypes())
        {
            if (type is { IsAbstract: false, IsGenericTypeDefinition: false })
            {
                foreach (var contract in type.GetInterfaces()
                             .Where(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IValidator<>)))
                {
                    services.AddSingleton(contract, type);
                }
            }
        }

        // Checks shared by every lifecycle transition (registered open: it applies to each IComplaintTransition).
        services.AddSingleton(typeof(IValidator<>), typeof(ComplaintTransitionValidator<>));
        return services;
    }
}
