using System.Text.Json;
using System.Text.RegularExpressions;
using Cms.Application.Abstractions;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace Cms.Api.Http;

/// <summary>
/// Everything that is not an expected result: unreadable requests become 400/413 problems naming the problem, a race on
/// a unique key 409, storage not prepared (a missing audit partition) 503 with nothing changed, anything else a 500 that says nothing of the cause (no stack trace or SQL reaches the caller).
/// </summary>
public sealed partial class UnexpectedErrorHandler(IProblemDetailsService problems, ILogger<UnexpectedErrorHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var (status, detail, errors) = exception switch
        {
            BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } =>
                (413, "The request body exceeds the size allowed for this endpoint.", null),
            BadHttpRequestException { InnerException: JsonException json } => (400, "The request body is not valid JSON for this endpoint.",
                new Dictionary<string, string[]> { [JsonField(json.Path)] = [JsonMessage(json)] }),
            // An empty body, or the JSON literal null, where the endpoint needs an object: named like any body problem.
            BadHttpRequestException bad when bad.Message.Contains("no body was provided", StringComparison.Ordinal) =>
                (bad.StatusCode, "The request body is missing; this endpoint needs a JSON object.",
                    new Dictionary<string, string[]> { ["body"] = ["A JSON object is required."] }),
            BadHttpRequestException bad when ParameterOf(bad) is { } parameter => (bad.StatusCode, $"The value of '{parameter}' is not valid.",
                new Dictionary<string, string[]> { [parameter] = [$"'{parameter}' is missing or not a valid value of its type."] }),
            BadHttpRequestException bad => (bad.StatusCode, "The request could not be read.", null),
            DuplicateKeyException => (409, "A resource with the same unique key already exists.", (Dictionary<string, string[]>?)null),
            StorageNotReadyException => (503, "The change cannot be recorded right now and was not made; retry later.", null),
            _ when Infrastructure.Resilience.DatabaseFaults.Classify(exception) != Infrastructure.Resilience.DatabaseFault.None =>
                (503, "The database is temporarily unavailable; retry shortly.", null),
            OperationCanceledException when httpContext.RequestAborted.IsCancellationRequested => (499, "The client closed the request.", null),
            _ => (500, "An unexpected error occurred; quote the traceId when reporting it.", null),
        };

        if (status >= 500)
        {
            LogUnexpected(logger, exception.GetType().Name, exception);
        }

        httpContext.Response.StatusCode = status;
        ProblemDetails problem = errors is null ? new ProblemDetails() : new HttpValidationProblemDetails(errors);
        problem.Status = status;
        problem.Detail = detail;
        problem.Title = Problems.TitleOf(status);
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem, Exception = null });
    }

    private static string JsonField(string? path) =>
        string.IsNullOrEmpty(path) || path == "$" ? "body" : path.TrimStart('$').TrimStart('.');

    /// <summary>The serializer's own sentence for our converters; a plain one otherwise (never echoing the input).</summary>
    private static string JsonMessage(JsonException json) =>
        json.Message.StartsWith("Expected one of", StringComparison.Ordinal)
            ? json.Message
            : $"The value at '{JsonField(json.Path)}' is missing, malformed or of the wrong type.";

    /// <summary>The route or query parameter a binding failure names ("Failed to bind parameter "Guid id" from ...").</summary>
    private static string? ParameterOf(BadHttpRequestException bad) =>
        BindingFailure().Match(bad.Message) is { Success: true } match ? match.Groups["name"].Value : null;

    [GeneratedRegex("^(?:Failed to bind parameter|Required parameter) \"(?:[^\"]* )?(?<name>[A-Za-z_][A-Za-z0-9_]*)\"(?: was not provided| from)")]
    private static partial Regex BindingFailure();

    [LoggerMessage(Level = LogLevel.Error, Message = "Unexpected {ExceptionType} while handling a request")]
    private static partial void LogUnexpected(ILogger logger, string exceptionType, Exception exception);
}
