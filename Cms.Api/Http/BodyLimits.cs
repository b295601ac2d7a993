using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http.Features;

namespace Cms.Api.Http;

/// <summary>
/// <c>Cms:Limits</c>: the largest request body each endpoint reads. Small by default (<see cref="MaxBodyBytes"/>, 128 KiB:
/// the largest JSON body of the API is a fraction of that), and set per endpoint under <c>Cms:Limits:Endpoints:&lt;operationId&gt;</c>
/// (the endpoint's operationId in <c>/openapi/v1.json</c>, e.g. <c>postConsumersImports</c>). An endpoint may carry a
/// built-in default of its own (<see cref="BodyLimit"/> metadata: the bulk import's 64 GiB), which configuration overrides.
/// A body over the limit is refused with 413 problem+json before it is read further.
/// </summary>
public sealed class BodyLimitOptions
{
    public const string Section = "Cms:Limits";

    public const long DefaultMaxBodyBytes = 128 * 1024;

    /// <summary>The limit of every endpoint without one of its own.</summary>
    public long MaxBodyBytes { get; set; } = DefaultMaxBodyBytes;

    /// <summary>Limits by operationId.</summary>
    public Dictionary<string, long> Endpoints { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The first configuration error, or null.</summary>
    public string? Validate()
    {
        if (MaxBodyBytes < 1)
        {
            return $"{Section}:MaxBodyBytes must be a positive number of bytes.";
        }

        return Endpoints.FirstOrDefault(e => e.Value < 1) is { Key: { } name }
            ? $"{Section}:Endpoints:{name} must be a positive number of bytes."
            : null;
    }

    /// <summary>The configured endpoint names that name no endpoint (a typo would otherwise leave the default in force).</summary>
    public IReadOnlyList<string> Unknown(IEnumerable<string> operationIds)
    {
        var known = operationIds.ToHashSet(StringComparer.OrdinalIgnoreCase);
        return [.. Endpoints.Keys.Where(k => !known.Contains(k)).Order(StringComparer.Ordinal)];
    }
}

/// <summary>Endpoint metadata: this endpoint's built-in body limit, used unless <c>Cms:Limits:Endpoints</c> names it.</summary>
public sealed record BodyLimit(long Bytes);

public static class BodyLimits
{
    /// <summary>The operationId of a route endpoint (the name its limit is configured under), or null for other endpoints.</summary>
    public static string? OperationIdOf(Endpoint endpoint) =>
        endpoint is RouteEndpoint { RoutePattern.RawText: { } route } &&
        endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods is [var method]
            ? OpenApiContract.OperationId(method, route)
            : null;

    /// <summary>The limit that applies to <paramref name="endpoint"/>: configured for it, else its own, else the default.</summary>
    public static long For(Endpoint? endpoint, BodyLimitOptions options)
    {
        if (endpoint is null)
        {
            return options.MaxBodyBytes;
        }

        if (OperationIdOf(endpoint) is { } name && options.Endpoints.TryGetValue(name, out var configured))
        {
            return configured;
        }

        return endpoint.Metadata.GetMetadata<BodyLimit>()?.Bytes ?? options.MaxBodyBytes;
    }

    /// <summary>Gives the endpoint's built-in limit (configuration still overrides it).</summary>
    public static RouteHandlerBuilder WithBodyLimit(this RouteHandlerBuilder builder, long bytes) => builder.WithMetadata(new BodyLimit(bytes));

    /// <summary>
    /// Sets the server's body limit of each request to its endpoint's (after routing, before anything reads the body).
    /// Kestrel's own limit is <see cref="BodyLimitOptions.MaxBodyBytes"/>, so requests that match no endpoint are bounded too.
    /// </summary>
    public static IApplicationBuilder UseBodyLimits(this IApplicationBuilder app)
    {
        var options = app.ApplicationServices.GetRequiredService<BodyLimitOptions>();
        var cache = new ConcurrentDictionary<Endpoint, long>();
        return app.Use(async (context, next) =>
        {
            if (context.GetEndpoint() is { } endpoint && context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
            {
                feature.MaxRequestBodySize = cache.GetOrAdd(endpoint, static (e, o) => For(e, o), options);
            }

            await next(context);
        });
    }

    /// <summary>Stops start-up when <c>Cms:Limits:Endpoints</c> names an operation the service does not have.</summary>
    public static void ValidateEndpointNames(IEndpointRouteBuilder routes)
    {
        var options = routes.ServiceProvider.GetRequiredService<BodyLimitOptions>();
        if (options.Endpoints.Count == 0)
        {
            return;
        }

        var unknown = options.Unknown(routes.DataSources.SelectMany(d => d.Endpoints).Select(OperationIdOf).OfType<string>());
        if (unknown.Count > 0)
        {
            throw new InvalidOperationException(
                $"{BodyLimitOptions.Section}:Endpoints names no endpoint: {string.Join(", ", unknown)} (use the operationId from /openapi/v1.json).");
        }
    }
}
