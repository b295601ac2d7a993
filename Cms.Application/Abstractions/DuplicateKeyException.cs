namespace Cms.Application.Abstractions;

/// <summary>
/// A unique key refused a write that a concurrent request made first (the handlers check beforehand, so this is the
/// race). Raised by the repositories; answered as 409 in one place.
/// </summary>
public sealed class DuplicateKeyException(string message, Exception innerException) : Exception(message, innerException);
