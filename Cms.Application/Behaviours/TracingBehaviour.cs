using System.Diagnostics;
using Cms.Application.Abstractions;
using Cms.Application.Common;
using Cms.Application.Complaints;
using Cms.Domain.Audit;
using Cms.Domain.Common;
using Mediator;
using Microsoft.Extensions.Logging;

namespace Cms.Application.Behaviours;

/// <summary>
/// Outermost behaviour: a span per use case and one log line per expected failure. The span (a child of the request's
/// server span, so of the caller's <c>traceparent</c>) carries the use case, tenant id, principal id (the staff
/// member's id; platform operators are marked by type only), the complaint id where there is one, and the outcome
/// (success, validation_failure, conflict, not_found, forbidden, ...). Counts use cases, complaints filed and
/// transitions on the "Cms" meter. Only ids and error codes are recorded: messages and request bodies may hold personal data.
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
        using var activity = Telemetry.Source.StartActivity(useCase, ActivityKind.Internal);
        activity?.SetTag(Telemetry.Tags.UseCase, useCase);
        var complaintId = message is IComplaintScoped scoped ? scoped.ComplaintId : (Guid?)null;
        try
        {
            var response = await next(message, cancellationToken);
            var outcome = response.IsSuccess ? Telemetry.Success : Telemetry.OutcomeOf(response.Error!.Kind);
            if (response.IsSuccess && response is Result<ComplaintDto> { IsSuccess: true } complaint)
            {
                complaintId = complaint.Value.Id;
            }

            if (activity is not null)
            {
                TagCaller(activity, complaintId);
                activity.SetTag(Telemetry.Tags.Outcome, outcome);
                if (!response.IsSuccess)
                {
                    activity.SetTag(Telemetry.Tags.ErrorCode, response.Error!.Code);
                }
            }

            Count(message, useCase, outcome, response.IsSuccess);
            if (!response.IsSuccess)
            {
                LogRefused(logger, useCase, outcome, response.Error!.Code);
            }

            return response;
        }
        catch (Exception ex)
        {
            if (activity is not null)
            {
                TagCaller(activity, complaintId);
                activity.SetStatus(ActivityStatusCode.Error, ex.GetType().Name);
                activity.SetTag(Telemetry.Tags.Outcome, Telemetry.Exception);
                activity.SetTag("error.type", ex.GetType().FullName);
            }

            Count(message, useCase, Telemetry.Exception, succeeded: false);
            throw;
        }
    }

    private void TagCaller(Activity activity, Guid? complaintId)
    {
        activity.SetTag(Telemetry.Tags.TenantId, tenant.TenantId?.ToString());
        if (caller.ActorType == ActorType.Staff && caller.ActorId.Length > 0)
        {
            activity.SetTag(Telemetry.Tags.PrincipalId, caller.ActorId);
            activity.SetTag(Telemetry.Tags.PrincipalType, "staff");
        }
        else if (caller.ActorType == ActorType.Platform)
        {
            // A platform operator's subject comes from the identity provider and may be an e-mail address: not recorded.
            activity.SetTag(Telemetry.Tags.PrincipalType, "platform");
        }

        if (complaintId is { } id && id != Guid.Empty)
        {
            activity.SetTag(Telemetry.Tags.ComplaintId, id.ToString());
        }
    }

    private void Count(TMessage message, string useCase, string outcome, bool succeeded)
    {
        Telemetry.UseCases.Add(1, new KeyValuePair<string, object?>(Telemetry.Tags.UseCase, useCase),
            new KeyValuePair<string, object?>(Telemetry.Tags.Outcome, outcome));
        if (!succeeded || tenant.TenantId is not { } tenantId)
        {
            return;
        }

        var tenantTag = new KeyValuePair<string, object?>(Telemetry.Tags.TenantId, tenantId.ToString());
        if (message.UseCase == UseCase.FileComplaint)
        {
            Telemetry.ComplaintsFiled.Add(1, tenantTag);
        }
        else if (message is IComplaintTransition)
        {
            Telemetry.ComplaintTransitions.Add(1, tenantTag, new KeyValuePair<string, object?>(Telemetry.Tags.Transition, useCase));
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{UseCase} refused: {Outcome} ({Code})")]
    private static partial void LogRefused(ILogger logger, string useCase, string outcome, string code);
}
