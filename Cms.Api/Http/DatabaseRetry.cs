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
/// sent to the client before the endpoint returns its result, so a retry is invisible to it.
/// <para>
/// A connection lost during COMMIT is retried only when the idempotency filter holds the request's key in that
/// transaction (<see cref="TransactionAttempts.CommitReplayable"/>); otherwise the answer is 503
/// <c>database.commit_outcome_unknown</c>, without Retry-After, since the change may have been made. An open circuit
/// breaker, or transient failures that outlast the retries, answer 503 problem+json with <c>Retry-After</c>.
/// </para>
/// </summary>
public sealed class DatabaseRetryFilter : IEndpointFilter
{
    /// <summary>Endpoint metadata: the route runs through this filter (the OpenAPI contract documents its 503).</summary>
    public sealed record Applied;

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var services = http.RequestServices;
        var resilience = services.GetRequiredService<DatabaseResilience>();
        var attempts = new TransactionAttempts();
        http.Features.Set(attempts);
        Exception? previous = null;
        try
        {
            return await resilience.ExecuteAsync(async (attempt, _) =>
            {
                if (attempt > 1)
                {
                    await ResetAsync(http, previous);
                }

                try
                {
                    return await next(context);
                }
                catch (Exception ex)
                {
                    previous = ex;
                    throw;
                }
            }, attempts, http.RequestAborted);
        }
        catch (BrokenCircuitException broken)
        {
            ResilienceMetrics.Rejected.Add(1);
            return Unavailable(http, broken.RetryAfter ?? resilience.Options.BreakerBreakDuration, "database.unavailable",
                "The database is unavailable; retry after the time in Retry-After.");
        }
        catch (Exception ex) when (DatabaseFaults.Classify(ex) is var fault && fault != DatabaseFault.None)
        {
            return fault == DatabaseFault.CommitOutcomeUnknown
                ? Problems.Of(StatusCodes.Status503ServiceUnavailable, "database.commit_outcome_unknown",
                    "The connection to the database was lost while the change was being committed; it may or may not have been made. " +
                    $"Read the resource before repeating the request, or send an {IdempotencyFilter.HeaderName} to make repeating it safe.")
                : Unavailable(http, fault == DatabaseFault.Unavailable ? resilience.Options.BreakerBreakDuration : TimeSpan.FromSeconds(1),
                    "database.unavailable", "The database did not complete the request after several attempts; retry after the time in Retry-After.");
        }
    }

    private static async ValueTask ResetAsync(HttpContext http, Exception? previous)
    {
        var services = http.RequestServices;
        var connectionLost = previous is not null && DatabaseFaults.Classify(previous) is DatabaseFault.Unavailable or DatabaseFault.CommitOutcomeUnknown;
        await services.GetRequiredService<DbSession>().ResetAsync(connectionLost);
        if (services.GetService<ReplicaSession>() is { } replica)
        {
            // The read side's session on the replica (Cms:Database:ReadConnectionString) starts afresh too.
            await replica.Session.ResetAsync(connectionLost);
        }

        services.GetRequiredService<TenantScope>().ResetForRetry();
        http.Response.Headers.Remove(HeaderNames.ETag);
        http.Response.Headers.Remove(HeaderNames.Location);
    }

    private static IResult Unavailable(HttpContext http, TimeSpan retryAfter, string code, string detail)
    {
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return Problems.Of(StatusCodes.Status503ServiceUnavailable, code, detail);
    }
}
