using System.Diagnostics;
using Cms.Application.Abstractions;
using Cms.Application.Common;
using Cms.Application.Complaints;
using Cms.Domain.Audit;
using Cms.Domain.Common;
using Cms.Domain.Tenants;
using Mediator;
using Microsoft.Extensions.Logging;

namespace Cms.Application.Behaviours;

// The use-case pipeline, outermost first, as Cms.Api/MediatorSetup.cs registers it: tracing → authorization →
// validation → transaction (commands) → idempotency (keyed commands) → the use case's handler.

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

/// <summary>
/// Establishes who is calling: platform use cases need a platform operator; tenant use cases need an active staff
/// member of the token's tenant whose roles (read from the database on every request, so a revoked role or a
/// deactivation takes effect at once) appear in the permission matrix, and whose tenant is not suspended (read in the
/// same statement, so a suspension takes effect on the next request on every instance). Sets the tenant scope from the
/// token only. A query may be decided on the caller as last read while that row is read again in its transaction; its
/// answer stands only if the row is unchanged (docs/adr/0026).
/// </summary>
public sealed class AuthorizationBehaviour<TMessage, TResponse>(
    ICurrentPrincipal principal, TenantScope tenant, CallerContext caller, IStaffRepository staff)
    : IPipelineBehavior<TMessage, TResponse>
    where TMessage : IMessage, IUseCaseMessage
    where TResponse : IResult<TResponse>
{
    public async ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next,
        CancellationToken cancellationToken)
    {
        if (!principal.IsAuthenticated || string.IsNullOrEmpty(principal.Subject))
        {
            return TResponse.Failure(new Error(ErrorKind.Unauthorized, "unauthenticated", "A valid bearer token is required."));
        }

        var useCase = message.UseCase;
        if (Permissions.IsPlatformUseCase(useCase))
        {
            if (!principal.IsPlatformOperator)
            {
                return TResponse.Failure(Error.Forbidden("Only platform operators may do this."));
            }

            caller.SetPlatform(principal.Subject);
            return await next(message, cancellationToken);
        }

        if (principal.TenantId is not { } tenantId)
        {
            return TResponse.Failure(Error.Forbidden("Platform operators read nothing inside tenants; a tenant token is required."));
        }

        tenant.Enter(tenantId);
        StaffCaller? found;
        // A query is decided on the caller as cached while their row is read again in front of its first statement; the
        // answer stands only if that row is unchanged (docs/adr/0026). Commands read the caller first, as before.
        if (message is not IBaseCommand && staff.FindCachedCaller(principal.Subject) is { } cached)
        {
            if (Refusal(cached.Caller, useCase) is null)
            {
                caller.SetStaff(cached.Caller.Member);
                var response = await next(message, cancellationToken);
                var check = await cached.ConfirmAsync(cancellationToken);
                if (check.Unchanged)
                {
                    return response;
                }

                // Changed since cached (a role, a deactivation, a queue, the tenant's status or reference data): the answer
                // is dropped, and the request decided and run again on the row as read now.
                found = check.Current;
            }
            else
            {
                found = (await cached.ConfirmAsync(cancellationToken)).Current;
            }
        }
        else
        {
            found = await staff.FindCallerAsync(principal.Subject, cancellationToken);
        }

        if (Refusal(found, useCase) is { } refusal)
        {
            return TResponse.Failure(refusal);
        }

        caller.SetStaff(found!.Member);
        return await next(message, cancellationToken);
    }

    /// <summary>Why <paramref name="found"/> may not run <paramref name="useCase"/>; null when they may.</summary>
    private static Error? Refusal(StaffCaller? found, UseCase useCase)
    {
        if (found is null || !found.Member.IsActive)
        {
            return Error.Forbidden("The caller is not an active staff member or service account of this tenant.");
        }

        if (found.TenantStatus == TenantStatus.Suspended)
        {
            return Error.TenantSuspended();
        }

        var allowed = Permissions.RolesFor(useCase);
        return found.Member.HasAnyRole(allowed)
            ? null
            : Error.Forbidden($"This needs one of the roles: {string.Join(", ", allowed.Select(r => r.ToWire()))}.");
    }
}

/// <summary>Runs every validator of the message; any field error ends the request with a 400 before anything is written.</summary>
public sealed class ValidationBehaviour<TMessage, TResponse>(IEnumerable<IValidator<TMessage>> validators)
    : IPipelineBehavior<TMessage, TResponse>
    where TMessage : IMessage
    where TResponse : IResult<TResponse>
{
    public ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next,
        CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        foreach (var validator in validators)
        {
            validator.Validate(message, errors);
        }

        return errors.Any ? ValueTask.FromResult(TResponse.Failure(errors.ToError())) : next(message, cancellationToken);
    }
}

/// <summary>
/// Commands only, and the only owner of a request's transaction (docs/adr/0006): one transaction around the idempotency
/// behaviour and the handler, committed when the result is a success and rolled back otherwise (an expected failure
/// writes nothing).
/// </summary>
public sealed class TransactionBehaviour<TMessage, TResponse>(IUnitOfWork unitOfWork) : IPipelineBehavior<TMessage, TResponse>
    where TMessage : IBaseCommand
    where TResponse : IResult<TResponse>
{
    public ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next,
        CancellationToken cancellationToken) =>
        unitOfWork.InTransactionAsync(token => next(message, token), response => response.IsSuccess, cancellationToken);
}

/// <summary>
/// <c>Idempotency-Key</c> on the commands that create (security.md 13), innermost of the behaviours: it runs only after
/// the caller passed authorization as they are now (a deactivated member, or one who lost the role, gets the refusal
/// a first request gets, never the stored answer) and validation, inside the transaction the transaction behaviour
/// opened. It claims the key in that transaction, runs the handler and, on success, stores the answer in the key's row
/// before the commit: the change and its key commit together or not at all; a failure rolls both back, so the client
/// may retry. Same key and same request (the API's hash of method, path, query and body) replays the stored answer;
/// same key and another request is 422; a key held by a request still running is 409. Keys are scoped per tenant and
/// principal (the token's subject), a platform operator's apart from every tenant's, and expire after
/// <see cref="IdempotencyOptions.Retention"/>. An answer holding a consumer's personal data is stored sealed under that
/// consumer's key (<see cref="PersonalAnswers"/>); once the consumer is erased a replay answers with the resource as it
/// reads now, never the stored data (docs/adr/0015-personal-data-kept-beyond-the-record.md).
/// </summary>
public sealed class IdempotencyBehaviour<TMessage, TResponse>(
    IdempotentRequest request, ICurrentPrincipal principal, CallerContext caller, TenantScope tenant, IIdempotencyStore store,
    IdempotentAnswerFormat format, IdempotencyOptions options, PersonalAnswers personalAnswers, TimeProvider clock)
    : IPipelineBehavior<TMessage, TResponse>
    where TMessage : IBaseCommand
    where TResponse : IResult<TResponse>
{
    public const string KeyReusedCode = "idempotency.key_reused";
    public const string InFlightCode = "idempotency.in_flight";

    public async ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next,
        CancellationToken cancellationToken)
    {
        if (!request.TryTake(out var key) || principal.Subject is not { Length: > 0 } subject)
        {
            return await next(message, cancellationToken);
        }

        // Authorization has run: the caller is a platform operator, or an active member of the tenant in scope.
        var scope = caller.ActorType == ActorType.Platform ? new IdempotencyScope(null, subject) : new IdempotencyScope(tenant.Required, subject);
        var now = clock.GetUtcNow();
        var claim = await store.ClaimAsync(scope, key, request.RequestHash, now, now + options.Retention, cancellationToken);
        switch (claim.Outcome)
        {
            case IdempotencyClaimOutcome.Replay when claim.ErasedReference is { } reference:
                // The consumer was erased since: answer as a read of the erased resource does, never the stored data.
                return await personalAnswers.RebuildAsync(reference, cancellationToken) is { } rebuilt
                    ? TResponse.FromSuccessValue(rebuilt)
                    : TResponse.Failure(Error.NotFound("resource"));
            case IdempotencyClaimOutcome.Replay:
                return TResponse.FromSuccessValue(TResponse.ValueType is { } type ? format.Read(claim.Response!.Body, type) : null);
            case IdempotencyClaimOutcome.Mismatch:
                return TResponse.Failure(new Error(ErrorKind.Unprocessable, KeyReusedCode,
                    "This Idempotency-Key was used for another request (method, path or body differ); use a new key."));
            case IdempotencyClaimOutcome.InFlight:
                return TResponse.Failure(Error.Conflict(InFlightCode, "A request with this Idempotency-Key is still being processed; retry later."));
        }

        request.MarkClaimed();
        var response = await next(message, cancellationToken);
        if (response.IsSuccess)
        {
            var body = TResponse.ValueType is { } valueType ? format.Write(response.SuccessValue, valueType) : "null";
            await store.RecordAsync(scope, key, new IdempotentResponse(StatusCodes.Recorded, body, null, null,
                PersonalAnswers.SubjectOf(response.SuccessValue)), cancellationToken);
        }

        return response;
    }

    private static class StatusCodes
    {
        /// <summary>
        /// What the key's status column holds once the answer is stored (it is NULL while the request runs). The HTTP
        /// status, Location and ETag of a replay come from the endpoint, which maps the replayed value as it mapped the
        /// first; rows stored by earlier versions (201 or 200, with the HTTP body) replay the same way.
        /// </summary>
        public const int Recorded = 200;
    }
}
