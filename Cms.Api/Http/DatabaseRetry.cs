using System.Globalization;
using Cms.Application.Abstractions;
using Cms.Infrastructure.Persistence;
using Cms.Infrastructure.Resilience;
using Microsoft.Net.Http.Headers;
using Polly.CircuitBreaker;

namespace Cms.Api.Http;

/// <summary>
/// The outermost filter of every API route: runs the endpoint (the idempotency filter, the mediator pipeline with its
/// transaction behaviour, the handler) as ONE unit of work through <see cref="DatabaseResilience"/>. A transient database
/// failure anywhere in it retries the whole unit from the start: the session is reset (transaction, connection, tenant
/// scope, headers set by the failed attempt) and the endpoint runs again with the same bound request. Nothing has been
/// sent to the client before the endpoint returns its result, so a retry is invisible to it. A route marked
/// <see cref="RetriedInside"/> (the streamed consumer import) is run once instead; it retries its own units of work.
/// <para>
/// A connection lost during COMMIT is retried only when the idempotency filter holds the request's key in that
/// transaction (<see cref="TransactionAttempts.CommitReplayable"/>); otherwise the answer is 503
/// <c>database.commit_outcome_unknown</c>, without Retry-After, since the change may have been made. An open circuit
/// breaker (<c>database.circuit_open</c>), or transient failures that outlast the retries (<c>database.unavailable</c>),
/// answer 503 problem+json with <c>Retry-After</c>.
/// </para>
/// </summary>
public sealed class DatabaseRetryFilter : IEndpointFilter
{
    /// <summary>Endpoint metadata: the route runs through this filter (the OpenAPI contract documents its 503).</summary>
    public sealed record Applied;

    /// <summary>
    /// Endpoint metadata: the endpoint is NOT retried as a whole; it runs its own units of work through
    /// <see cref="DatabaseUnitOfWork"/> (the consumer import, which streams a body that cannot be read twice and commits
    /// batch by batch). The filter then only answers their final failures as it answers its own.
    /// </summary>
    public sealed record RetriedInside;

    /// <summary>503: the breaker is open, the request was refused without touching the database.</summary>
    public const string CircuitOpenCode = "database.circuit_open";

    /// <summary>503: the request was tried and failed transiently until the retries or their time ran out.</summary>
    public const string UnavailableCode = "database.unavailable";

    /// <summary>503 without Retry-After: the connection was lost during COMMIT of a request without Idempotency-Key.</summary>
    public const string CommitOutcomeUnknownCode = "database.commit_outcome_unknown";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var resilience = http.RequestServices.GetRequiredService<DatabaseResilience>();
        try
        {
            if (http.GetEndpoint()?.Metadata.GetMetadata<RetriedInside>() is not null)
            {
                return await next(context);
            }

            var attempts = new TransactionAttempts();
            http.Features.Set(attempts);
            return await DatabaseUnitOfWork.RunAsync(http.RequestServices, attempts, _ => next(context), () =>
            {
                // ETag and Location set by the failed attempt belong to nothing that was committed.
                http.Response.Headers.Remove(HeaderNames.ETag);
                http.Response.Headers.Remove(HeaderNames.Location);
            }, http.RequestAborted);
        }
        catch (BrokenCircuitException broken)
        {
            // Refused without trying: its own code, so that an operator (and a client's log) can tell an open breaker
            // from a request that was tried and failed (database.unavailable).
            ResilienceMetrics.Rejected.Add(1);
            return Unavailable(http, broken.RetryAfter ?? resilience.Options.BreakerBreakDuration, CircuitOpenCode,
                "The database is unreachable and this instance is not trying it for now (circuit breaker open); retry after the time in Retry-After.");
        }
        catch (Exception ex) when (DatabaseFaults.Classify(ex) is var fault && fault != DatabaseFault.None)
        {
            return fault == DatabaseFault.CommitOutcomeUnknown
                ? Problems.Of(StatusCodes.Status503ServiceUnavailable, CommitOutcomeUnknownCode,
                    "The connection to the database was lost while the change was being committed; it may or may not have been made. " +
                    $"Read the resource before repeating the request, or send an {IdempotencyFilter.HeaderName} to make repeating it safe.")
                : Unavailable(http, fault == DatabaseFault.Unavailable ? resilience.Options.BreakerBreakDuration : TimeSpan.FromSeconds(1),
                    UnavailableCode, "The database did not complete the request after several attempts; retry after the time in Retry-After.");
        }
    }

    private static IResult Unavailable(HttpContext http, TimeSpan retryAfter, string code, string detail)
    {
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return Problems.Of(StatusCodes.Status503ServiceUnavailable, code, detail);
    }
}

/// <summary>
/// One unit of database work (a complete transaction, begin to commit) run through <see cref="DatabaseResilience"/> on
/// the services of one scope: the request's (<see cref="DatabaseRetryFilter"/>) or a batch's own (the consumer import).
/// Before a new attempt the scope's session drops its transaction and connection (and, after a lost connection, the
/// pool's idle connections), its replica session too, and the tenant scope, so the work starts afresh. The work must be
/// repeatable: it reads nothing that a failed attempt consumed.
/// </summary>
public static class DatabaseUnitOfWork
{
    public static async ValueTask<T> RunAsync<T>(IServiceProvider services, TransactionAttempts attempts,
        Func<CancellationToken, ValueTask<T>> work, Action? beforeRetry, CancellationToken cancellationToken)
    {
        var resilience = services.GetRequiredService<DatabaseResilience>();
        Exception? previous = null;
        return await resilience.ExecuteAsync(async (attempt, token) =>
        {
            if (attempt > 1)
            {
                await ResetAsync(services, previous);
                beforeRetry?.Invoke();
            }

            try
            {
                return await work(token);
            }
            catch (Exception ex)
            {
                previous = ex;
                throw;
            }
        }, attempts, cancellationToken);
    }

    private static async ValueTask ResetAsync(IServiceProvider services, Exception? previous)
    {
        var connectionLost = previous is not null && DatabaseFaults.Classify(previous) is DatabaseFault.Unavailable or DatabaseFault.CommitOutcomeUnknown;
        await services.GetRequiredService<DbSession>().ResetAsync(connectionLost);
        if (services.GetService<ReplicaSession>() is { } replica)
        {
            // The read side's session on the replica (Cms:Database:ReadConnectionString) starts afresh too.
            await replica.Session.ResetAsync(connectionLost);
        }

        services.GetRequiredService<TenantScope>().ResetForRetry();
    }
}
