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
        _ => StatusCodes.Status500InternalServerError,
    };

    public static ProblemHttpResult From(Error error)
    {
        var status = StatusOf(error.Kind);
        var problem = error.Fields is { Count: > 0 } fields
            ? new HttpValidationProblemDetails(fields.ToDictionary(f => f.Key, f => f.Value)) { Detail = error.Message }
            : new ProblemDetails { Detail = error.Message };
        problem.Status = status;
        problem.Title = TitleOf(status);
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
        415 => "The media type is not supported.",
        422 => "The idempotency key was used for another request.",
        428 => "If-Match is required.",
        429 => "Too many requests.",
        503 => "The service is temporarily unavailable.",
        _ => "An unexpected error occurred.",
    };

    /// <summary>Adds the trace id to every problem the framework writes.</summary>
    public static void Customize(ProblemDetailsContext context)
    {
        var traceId = Activity.Current?.TraceId.ToHexString() ?? context.HttpContext.TraceIdentifier;
        context.ProblemDetails.Extensions["traceId"] = traceId;
        context.ProblemDetails.Title ??= TitleOf(context.ProblemDetails.Status ?? 500);
    }
}
