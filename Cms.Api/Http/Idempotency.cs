using System.Security.Cryptography;
using System.Text;
using Cms.Application.Abstractions;
using Cms.Domain.Common;
using Cms.Infrastructure.Resilience;
using Microsoft.Extensions.Options;

namespace Cms.Api.Http;

/// <summary>
/// <c>Idempotency-Key</c> on the POSTs that create (security.md 13), the HTTP half: checks the header (one value of 1 to
/// 255 printable ASCII characters; required from the callers listed in <see cref="IdempotencyOptions.RequiredFor"/>)
/// and hands the key, with a SHA-256 of the request (method, path, query, body), to the use case's
/// <see cref="IdempotentRequest"/>. Everything else happens in the mediator pipeline, after authorization and inside
/// the one transaction (<see cref="Cms.Application.Behaviours.IdempotencyBehaviour{TMessage, TResponse}"/>); a replay
/// is the stored value mapped by the endpoint as the first answer was. Without the header nothing changes.
/// </summary>
public sealed class IdempotencyFilter : IEndpointFilter
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

        var request = http.RequestServices.GetRequiredService<IdempotentRequest>();
        request.Carry(key!, await HashRequestAsync(http.Request, http.RequestAborted));
        try
        {
            return await next(context);
        }
        finally
        {
            // Read by the database retry when the COMMIT's outcome is lost: with the key held in that transaction, a
            // retry replays the answer or does the work again, never twice.
            if (request.Claimed && http.Features.Get<TransactionAttempts>() is { } attempts)
            {
                attempts.CommitReplayable = true;
            }
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
}

public static class IdempotencyEndpoints
{
    /// <summary>Accepts Idempotency-Key on this route (see <see cref="IdempotencyFilter"/>).</summary>
    public static RouteHandlerBuilder WithIdempotency(this RouteHandlerBuilder builder) =>
        builder.AddEndpointFilter(new IdempotencyFilter()).WithMetadata(new IdempotencyKeyMetadata());

    /// <summary>Marks an endpoint that honours Idempotency-Key (read by the OpenAPI description).</summary>
    public sealed record IdempotencyKeyMetadata();

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
