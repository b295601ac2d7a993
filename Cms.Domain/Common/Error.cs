namespace Cms.Domain.Common;

/// <summary>The kinds of expected failure. Each maps to one HTTP status in one place (Cms.Api).</summary>
public enum ErrorKind
{
    Validation,
    NotFound,
    Conflict,
    Forbidden,
    Unauthorized,
    PreconditionFailed,
    PreconditionRequired,

    /// <summary>Well-formed, but cannot be done as asked (an idempotency key reused for another request): 422.</summary>
    Unprocessable,

    /// <summary>The resource existed and is gone for good (an erased consumer's export): 410.</summary>
    Gone,
}

/// <summary>An expected failure, carried as a value (never thrown).</summary>
/// <param name="Kind">What sort of failure this is.</param>
/// <param name="Code">A stable machine-readable code, e.g. <c>complaint.illegal_transition</c>.</param>
/// <param name="Message">A clear sentence for the caller. Never contains personal data.</param>
/// <param name="Fields">For validation failures: field name to messages.</param>
public sealed record Error(ErrorKind Kind, string Code, string Message, IReadOnlyDictionary<string, string[]>? Fields = null)
{
    public static Error NotFound(string entity) =>
        new(ErrorKind.NotFound, $"{entity}.not_found", $"The {entity} does not exist.");

    public static Error Conflict(string code, string message) => new(ErrorKind.Conflict, code, message);

    public static Error Forbidden(string message) => new(ErrorKind.Forbidden, "forbidden", message);

    /// <summary>The caller's tenant is suspended by a platform operator (api.md v1.1: the 403's type ends in <c>tenant.suspended</c>).</summary>
    public static Error TenantSuspended() =>
        new(ErrorKind.Forbidden, TenantSuspendedCode, "This tenant is suspended: its principals are refused until a platform operator reactivates it.");

    public const string TenantSuspendedCode = "tenant.suspended";

    public static Error Validation(string field, string message) =>
        new(ErrorKind.Validation, "validation", message, new Dictionary<string, string[]> { [field] = [message] });

    public static Error Validation(IReadOnlyDictionary<string, string[]> fields) =>
        new(ErrorKind.Validation, "validation", "One or more fields are invalid.", fields);

    public static Error StaleVersion(long expected, long actual) =>
        new(ErrorKind.PreconditionFailed, "version.stale",
            $"The resource has changed: If-Match named version {expected} but the current version is {actual}.");
}
