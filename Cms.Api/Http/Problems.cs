using System.Diagnostics;
using Cms.Domain.Common;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Cms.Api.Http;

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
