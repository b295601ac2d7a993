using System.Diagnostics;
using Cms.Application.Common;
using Cms.Domain.Common;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Net.Http.Headers;

namespace Cms.Api.Http;

/// <summary>Results to HTTP: the success shapes (with ETags for versioned resources) and the If-Match contract; a failure
/// becomes a problem (<see cref="Problems"/>, below).</summary>
public static class Responses
{
    public static Results<Ok<T>, ProblemHttpResult> Ok<T>(Result<T> result) =>
        result.IsSuccess ? TypedResults.Ok(result.Value) : Problems.From(result.Error);

    /// <summary>As <see cref="Ok{T}(Result{T})"/>, the body written by <paramref name="write"/> (<see cref="WrittenOk{TValue}"/>).</summary>
    public static Results<WrittenOk<T>, ProblemHttpResult> Ok<T>(Result<T> result, Action<System.Text.Json.Utf8JsonWriter, T> write) =>
        result.IsSuccess ? new WrittenOk<T>(result.Value, write) : Problems.From(result.Error);

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

/// <summary>
/// The one place where expected failures become RFC 9457 problem details (status, type, title, detail, traceId and,
/// for validation, errors). Unexpected failures go through <see cref="UnexpectedErrorHandler"/>.
/// </summary>
public static class Problems
{
    public static int StatusOf(ErrorKind kind) => kind switch
    {
        ErrorKind.Validation => StatusCodes.Status400BadRequest,
        ErrorKind.Unauthorized => StatusCodes.Status401Unauthorized,
        ErrorKind.Forbidden => StatusCodes.Status403Forbidden,
        ErrorKind.NotFound => StatusCodes.Status404NotFound,
        ErrorKind.Conflict => StatusCodes.Status409Conflict,
        ErrorKind.PreconditionFailed => StatusCodes.Status412PreconditionFailed,
        ErrorKind.PreconditionRequired => StatusCodes.Status428PreconditionRequired,
        ErrorKind.Unprocessable => StatusCodes.Status422UnprocessableEntity,
        ErrorKind.Gone => StatusCodes.Status410Gone,
        _ => StatusCodes.Status500InternalServerError,
    };

    public static ProblemHttpResult From(Error error)
    {
        var status = StatusOf(error.Kind);
        var problem = error.Fields is { Count: > 0 } fields
            ? new HttpValidationProblemDetails(fields.ToDictionary(f => f.Key, f => f.Value)) { Detail = error.Message }
            : new ProblemDetails { Detail = error.Message };
        problem.Status = status;
        // A letter's 422 (required content, unsafe template) is not the idempotency key's: its own title.
        problem.Title = error.Kind == ErrorKind.Unprocessable && error.Code.StartsWith("letter", StringComparison.Ordinal)
            ? "The letter or template does not meet its rules." : TitleOf(status);
        problem.Type = TypeOf(error.Code);
        problem.Extensions["code"] = error.Code;
        return TypedResults.Problem(problem);
    }

    /// <summary>A problem with a status no <see cref="ErrorKind"/> maps to (e.g. 422 for a reused idempotency key).</summary>
    public static ProblemHttpResult Of(int status, string code, string detail) =>
        TypedResults.Problem(new ProblemDetails
        {
            Status = status,
            Title = TitleOf(status),
            Detail = detail,
            Type = TypeOf(code),
            Extensions = { ["code"] = code },
        });

    /// <summary>
    /// A code's problem type. The v1.0 types spell the code's dots as dashes; the v1.1 contract (api.md) fixes the
    /// suspension's type to end in <c>tenant.suspended</c>, so that one keeps its dot.
    /// </summary>
    public static string TypeOf(string code) =>
        code == Error.TenantSuspendedCode ? $"https://cms.example/problems/{code}" : $"https://cms.example/problems/{code.Replace('.', '-')}";

    public static string TitleOf(int status) => status switch
    {
        400 => "The request is invalid.",
        401 => "Authentication is required.",
        403 => "The caller may not do this.",
        404 => "The resource does not exist.",
        409 => "The request conflicts with the resource's current state.",
        412 => "The resource has changed since it was read.",
        413 => "The request body is too large.",
        410 => "The resource is gone.",
        415 => "The media type is not supported.",
        422 => "The idempotency key was used for another request.",
        428 => "If-Match is required.",
        429 => "Too many requests.",
        503 => "The service is temporarily unavailable.",
        _ => "An unexpected error occurred.",
    };

    /// <summary>The code of a problem the framework writes itself (no route, no token, a body it cannot read, a rate limit).</summary>
    public static string DefaultCode(int status) => status switch
    {
        400 => "validation",
        401 => "unauthenticated",
        403 => "forbidden",
        404 => "not_found",
        405 => "method_not_allowed",
        409 => "conflict",
        413 => "body_too_large",
        415 => "unsupported_media_type",
        429 => "rate_limited",
        503 => DatabaseRetryFilter.UnavailableCode,
        _ => "unexpected",
    };

    /// <summary>
    /// Every problem, the framework's own included, carries the same members: type (the code's URI), title, status,
    /// detail, code and traceId (the W3C trace id, 32 hex digits).
    /// </summary>
    public static void Customize(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        var status = problem.Status ??= context.HttpContext.Response.StatusCode;
        var traceId = Activity.Current?.TraceId.ToHexString() ?? context.HttpContext.TraceIdentifier;
        problem.Extensions["traceId"] = traceId;
        if (problem.Extensions.TryGetValue("code", out var known) is false || known is not string code)
        {
            code = DefaultCode(status);
            problem.Extensions["code"] = code;
        }

        problem.Type = TypeOf(code);
        problem.Title = TitleOf(status);
        problem.Detail ??= TitleOf(status);
    }
}
