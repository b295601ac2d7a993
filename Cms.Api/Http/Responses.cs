using Cms.Application.Complaints;
using Cms.Application.Consumers;
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

    /// <summary>A versioned resource: the body plus <c>ETag: "version"</c>.</summary>
    public static Results<Ok<T>, ProblemHttpResult> Versioned<T>(HttpContext http, Result<T> result, Func<T, long> version)
    {
        if (result.IsSuccess)
        {
            http.Response.Headers.ETag = ETag(version(result.Value));
        }

        return Ok(result);
    }

    public static Results<Created<T>, ProblemHttpResult> CreatedVersioned<T>(HttpContext http, Result<T> result, Func<T, string> location,
        Func<T, long> version)
    {
        if (result.IsSuccess)
        {
            http.Response.Headers.ETag = ETag(version(result.Value));
        }

        return Created(result, location);
    }

    public static string ETag(long version) => $"\"{version}\"";

    public static long VersionOf(ComplaintDto c) => c.Version;

    public static long VersionOf(ConsumerDto c) => c.Version;

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
