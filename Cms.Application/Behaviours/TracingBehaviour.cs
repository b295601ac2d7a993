using System.Diagnostics;
using Cms.Application.Abstractions;
using Cms.Application.Common;
using Cms.Domain.Common;
using Mediator;
using Microsoft.Extensions.Logging;

namespace Cms.Application.Behaviours;

/// <summary>
/// Outermost behaviour: a span per use case (name, tenant, caller, outcome) and one log line per expected failure.
/// Only ids and error codes are recorded: messages and request bodies may hold personal data.
/// </summary>
public sealed partial class TracingBehaviour<TMessage, TResponse>(
    ILogger<TracingBehaviour<TMessage, TResponse>> logger, TenantScope tenant, CallerContext caller, UseCaseScope useCases)
    : IPipelineBehavior<TMessage, TResponse>
    where TMessage : IMessage, IUseCaseMessage
    where TResponse : IResult<TResponse>
{
    public async ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next,
        CancellationToken cancellationToken)
    {
        useCases.Enter(message.UseCase);
        var useCase = message.UseCase.ToString();
        using var activity = Telemetry.Source.StartActivity(useCase);
        activity?.SetTag("cms.use_case", useCase);
        try
        {
            var response = await next(message, cancellationToken);
            var outcome = response.IsSuccess ? "success" : response.Error!.Kind.ToString().ToLowerInvariant();
            if (activity is not null)
            {
                activity.SetTag("cms.tenant_id", tenant.TenantId?.ToString());
                activity.SetTag("cms.actor_id", caller.ActorId.Length > 0 && caller.ActorType == Domain.Audit.ActorType.Staff ? caller.ActorId : null);
                activity.SetTag("cms.outcome", outcome);
                if (!response.IsSuccess)
                {
                    activity.SetTag("cms.error_code", response.Error!.Code);
                }
            }

            if (!response.IsSuccess)
            {
                LogRefused(logger, useCase, outcome, response.Error!.Code);
            }

            return response;
        }
        catch (Exception ex) when (activity is not null)
        {
            activity.SetStatus(ActivityStatusCode.Error, ex.GetType().Name);
            activity.SetTag("cms.outcome", "exception");
            throw;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{UseCase} refused: {Outcome} ({Code})")]
    private static partial void LogRefused(ILogger logger, string useCase, string outcome, string code);
}
