using Cms.Application.Abstractions;
using Cms.Domain.Audit;
using Cms.Domain.Common;
using Mediator;

namespace Cms.Application.Behaviours;

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
