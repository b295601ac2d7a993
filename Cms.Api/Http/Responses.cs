using Cms.Application.Common;
using Cms.Domain.Common;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;

namespace Cms.Api.Http;

/// <summary>Results to HTTP: the success shapes (with ETags for versioned resources) and the If-Match contract.</summary>
public static class Responses
{
    public static Results<Ok<T>, ProblemHttpResult> Ok<T>(Result<T> result) =>
        result.IsSuccess ? TypedResults.Ok(result.Value) : Problems.From(result.Error);

    public static Results<Created<T>, ProblemHttpResult> Created<T>(Result<T> result, Func<T, string> location) =>
        result.IsSuccess ? TypedResults.Created(location(result.Value), result.Value) : Problems.From(result.Error);

    public static string ETag(long version) => $"\"{version}\"";

    /// <summary>The ETag of a success answer's body: one for every <see cref="IVersionedResource"/>, none otherwise.</summary>
    public static string? ETagOf(object? body) => body is IVersionedResource versioned ? ETag(versioned.Version) : null;

    /// <summary>
    /// Sets <c>ETag</c> on every 2xx answer whose body is a versioned resource, on every route of the API (so the header
    /// and the OpenAPI document, which states it from the same type, cannot drift apart).
    /// </summary>
    public static async ValueTask<object?> ETagFilter(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var result = await next(context);
        var answer = result is INestedHttpResult nested ? nested.Result : result as IResult;
        if (answer is IStatusCodeHttpResult { StatusCode: >= 200 and < 300 } and IValueHttpResult { Value: var body } && ETagOf(body) is { } etag)
        {
            context.HttpContext.Response.Headers.ETag = etag;
        }

        return result;
    }

    /// <summary>
    /// Reads the version a caller last saw from If-Match: missing is 428, anything but one strong ETag of ours is 400.
    /// </summary>
    public static Result<long> RequiredIfMatch(HttpRequest request)
    {
        var values = request.Headers[HeaderNames.IfMatch];
        if (values.Count == 0 || string.IsNullOrWhiteSpace(values.ToString()))
        {
            return new Error(ErrorKind.PreconditionRequired, "if_match.required",
                "This change needs If-Match with the ETag from your last read of the resource.");
        }

        return ParseIfMatch(values.ToString());
    }

    /// <summary>An optional If-Match: absent means "any version".</summary>
    public static Result<long?> OptionalIfMatch(HttpRequest request)
    {
        var values = request.Headers[HeaderNames.IfMatch];
        if (values.Count == 0)
        {
            return (long?)null;
        }

        var parsed = ParseIfMatch(values.ToString());
        return parsed.IsSuccess ? parsed.Value : parsed.Error;
    }

    private static Result<long> ParseIfMatch(string value)
    {
        var text = value.Trim();
        if (text.Length > 2 && text[0] == '"' && text[^1] == '"' && long.TryParse(text.AsSpan(1, text.Length - 2),
                System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var version) && version > 0)
        {
            return version;
        }

        return Error.Validation("If-Match", "If-Match must be one ETag as returned by this service, e.g. \"3\".");
    }
}
