using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Cms.Application.Abstractions;
using Cms.Domain.Common;
using Cms.Infrastructure.Resilience;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace Cms.Api.Http;

/// <summary><c>Cms:Idempotency</c>: how long a key is kept (and replayed) after its first use.</summary>
public sealed class IdempotencyOptions
{
    public const string Section = "Cms:Idempotency";

    public TimeSpan Retention { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// How often the background purge (<see cref="IdempotencyPurgeWorker"/>) deletes expired keys of every tenant, those
    /// of tenants that send no more keys included; zero turns it off (claims still purge their own scope lazily).
    /// </summary>
    public TimeSpan PurgeInterval { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Keys deleted per transaction by the background purge (at most 10 batches per tenant per pass).</summary>
    public int PurgeBatchSize { get; set; } = 500;

    /// <summary>
    /// Token subjects (<c>sub</c>) of integration service accounts that must send an Idempotency-Key on every idempotent
    /// POST: without one they get 400 naming the header instead of an unprotected write. Configured by the operator who
    /// registers the integration with the identity provider, e.g. <c>Cms__Idempotency__RequiredFor__0=svc-intake</c>.
    /// </summary>
    public List<string> RequiredFor { get; set; } = [];
}

/// <summary>Whose keys an idempotent route uses: the tenant principal's, or the platform operator's (POST /v1/tenants).</summary>
public enum IdempotencyKeyScope
{
    Tenant,
    Platform,
}

/// <summary>
/// <c>Idempotency-Key</c> on the POSTs that create (security.md 13). With the header, the filter opens the request's
/// transaction scope itself (the transaction behaviour then joins it), claims the key in it, runs the endpoint and, on
/// a 2xx answer, records status, body, Location and ETag in the key's row before it commits: the change and its key
/// commit together or not at all. Any other answer (or an exception) rolls everything back, the key included, so the
/// client may retry. Same key and same request (method, path, body: SHA-256) replays the recorded answer; same key and
/// another request is 422; the key held by a request still running is 409. Without the header nothing changes.
/// </summary>
public sealed class IdempotencyFilter(IdempotencyKeyScope keyScope) : IEndpointFilter
{
    public const string HeaderName = "Idempotency-Key";
    public const int MaxKeyLength = 255;

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (!http.Request.Headers.TryGetValue(HeaderName, out var values))
        {
            return KeyRequired(http) ? Problems.From(Error.Validation(HeaderName,
                    $"This caller is configured to send an {HeaderName} header with every request that creates something; the header is missing."))
                : await next(context);
        }

        var key = values.Count == 1 ? values[0] : null;
        if (!IsValidKey(key))
        {
            return Problems.From(Error.Validation(HeaderName,
                $"{HeaderName} must be one value of 1 to {MaxKeyLength} printable ASCII characters."));
        }

        var services = http.RequestServices;
        var principal = services.GetRequiredService<ICurrentPrincipal>();
        if (!principal.IsAuthenticated || string.IsNullOrEmpty(principal.Subject))
        {
            return await next(context);
        }

        IdempotencyScope scope;
        if (keyScope == IdempotencyKeyScope.Platform && principal.IsPlatformOperator)
        {
            scope = new IdempotencyScope(null, principal.Subject);
        }
        else if (keyScope == IdempotencyKeyScope.Tenant && principal.TenantId is { } tenantId)
        {
            services.GetRequiredService<TenantScope>().Enter(tenantId);
            scope = new IdempotencyScope(tenantId, principal.Subject);
        }
        else
        {
            return await next(context); // the use case refuses this caller anyway; there is no key scope to hold
        }

        var unitOfWork = services.GetRequiredService<IUnitOfWork>();
        if (unitOfWork.IsInTransactionScope)
        {
            throw new InvalidOperationException("The idempotency filter must open the request's transaction scope.");
        }

        var store = services.GetRequiredService<IIdempotencyStore>();
        var clock = services.GetRequiredService<TimeProvider>();
        var retention = services.GetRequiredService<IOptions<IdempotencyOptions>>().Value.Retention;
        var requestHash = await HashRequestAsync(http.Request, http.RequestAborted);
        var now = clock.GetUtcNow();

        await unitOfWork.BeginAsync(http.RequestAborted);
        try
        {
            var claim = await store.ClaimAsync(scope, key!, requestHash, now, now + retention, http.RequestAborted);
            if (claim.Outcome != IdempotencyClaimOutcome.Claimed)
            {
                await unitOfWork.RollbackAsync(CancellationToken.None);
                return claim.Outcome switch
                {
                    IdempotencyClaimOutcome.Replay => new RecordedResult(claim.Response!),
                    IdempotencyClaimOutcome.Mismatch => Problems.Of(StatusCodes.Status422UnprocessableEntity, "idempotency.key_reused",
                        $"This {HeaderName} was used for another request (method, path or body differ); use a new key."),
                    _ => Problems.Of(StatusCodes.Status409Conflict, "idempotency.in_flight",
                        $"A request with this {HeaderName} is still being processed; retry later."),
                };
            }

            // The key and, on success, the answer commit with the change: a retry after a COMMIT whose outcome was lost
            // replays the answer or does the work again, never twice (DatabaseRetryFilter).
            if (http.Features.Get<TransactionAttempts>() is { } attempts)
            {
                attempts.CommitReplayable = true;
            }

            var result = await next(context);
            if (Capture(result, http) is not { } response)
            {
                await unitOfWork.RollbackAsync(CancellationToken.None);
                return result;
            }

            await store.RecordAsync(scope, key!, response, CancellationToken.None);
            await unitOfWork.CommitAsync(CancellationToken.None);
            return new RecordedResult(response);
        }
        catch
        {
            await unitOfWork.RollbackAsync(CancellationToken.None);
            throw;
        }
    }

    private static bool KeyRequired(HttpContext http)
    {
        var required = http.RequestServices.GetRequiredService<IOptions<IdempotencyOptions>>().Value.RequiredFor;
        return required.Count > 0 && http.RequestServices.GetRequiredService<ICurrentPrincipal>() is { IsAuthenticated: true, Subject: { } subject } &&
               required.Contains(subject, StringComparer.Ordinal);
    }

    /// <summary>1 to 255 printable ASCII characters (0x21–0x7E and the space inside).</summary>
    public static bool IsValidKey(string? key) =>
        !string.IsNullOrEmpty(key) && key.Length <= MaxKeyLength && key.All(c => c is >= ' ' and <= '~') && key.Trim().Length == key.Length;

    private static async Task<string> HashRequestAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes($"{request.Method}\n{request.Path}{request.QueryString}\n"));
        if (request.Body.CanSeek)
        {
            request.Body.Position = 0;
            var buffer = new byte[8192];
            int read;
            while ((read = await request.Body.ReadAsync(buffer, cancellationToken)) > 0)
            {
                hash.AppendData(buffer, 0, read);
            }
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>The answer to record: only a 2xx with a body. Anything else is stored nowhere.</summary>
    private static IdempotentResponse? Capture(object? result, HttpContext http)
    {
        while (result is INestedHttpResult nested)
        {
            result = nested.Result;
        }

        if (result is not IStatusCodeHttpResult { StatusCode: >= 200 and < 300 and var status } || result is not IValueHttpResult { Value: { } value })
        {
            return null;
        }

        var json = http.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        var body = JsonSerializer.Serialize(value, value.GetType(), json);

        // Created<T> and CreatedAtRoute<T> carry the Location; there is no interface for it.
        var location = result.GetType().GetProperty("Location")?.GetValue(result) as string;
        var etag = http.Response.Headers.ETag.Count > 0 ? http.Response.Headers.ETag.ToString() : Responses.ETagOf(value);
        return new IdempotentResponse(status, body, location, etag);
    }

    /// <summary>The recorded answer, sent the same way the first time and on every replay.</summary>
    private sealed class RecordedResult(IdempotentResponse response) : IResult, IStatusCodeHttpResult
    {
        public int? StatusCode => response.StatusCode;

        public async Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = response.StatusCode;
            if (response.Location is { } location)
            {
                httpContext.Response.Headers.Location = location;
            }

            if (response.ETag is { } etag)
            {
                httpContext.Response.Headers.ETag = etag;
            }

            httpContext.Response.ContentType = "application/json; charset=utf-8";
            await httpContext.Response.WriteAsync(response.Body, Encoding.UTF8);
        }
    }
}

public static class IdempotencyEndpoints
{
    /// <summary>Accepts Idempotency-Key on this route (see <see cref="IdempotencyFilter"/>).</summary>
    public static RouteHandlerBuilder WithIdempotency(this RouteHandlerBuilder builder, IdempotencyKeyScope scope = IdempotencyKeyScope.Tenant) =>
        builder.AddEndpointFilter(new IdempotencyFilter(scope)).WithMetadata(new IdempotencyKeyMetadata(scope));

    /// <summary>Marks an endpoint that honours Idempotency-Key (read by the OpenAPI description).</summary>
    public sealed record IdempotencyKeyMetadata(IdempotencyKeyScope Scope);

    /// <summary>Lets the idempotency filter read the body again after binding (bodies are small: Cms:Limits, 128 KiB by default).</summary>
    public static IApplicationBuilder UseIdempotencyBodyBuffering(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            if (HttpMethods.IsPost(context.Request.Method) && context.Request.Headers.ContainsKey(IdempotencyFilter.HeaderName))
            {
                context.Request.EnableBuffering();
            }

            await next(context);
        });
}
