namespace Cms.Application.Abstractions;

/// <summary>
/// Whose keys these are: a tenant's principal (<paramref name="TenantId"/> set), or a platform operator
/// (<paramref name="TenantId"/> null, kept apart from every tenant's keys).
/// </summary>
public sealed record IdempotencyScope(Guid? TenantId, string Principal);

/// <summary>The answer recorded for a key and replayed for a repeat of the same request.</summary>
public sealed record IdempotentResponse(int StatusCode, string Body, string? Location, string? ETag);

public enum IdempotencyClaimOutcome
{
    /// <summary>The key is new (or its earlier use expired): it is held in the current transaction; go ahead.</summary>
    Claimed,

    /// <summary>The key was used for the same request, which succeeded: send <see cref="IdempotencyClaim.Response"/> again.</summary>
    Replay,

    /// <summary>The key was used for another request (method, path or body differ).</summary>
    Mismatch,

    /// <summary>Another request with the key is still running.</summary>
    InFlight,
}

public sealed record IdempotencyClaim(IdempotencyClaimOutcome Outcome, IdempotentResponse? Response = null);

/// <summary>
/// Idempotency keys (security.md 13), written through the request's unit of work: <see cref="ClaimAsync"/> must run
/// inside the transaction scope of the change, and <see cref="RecordAsync"/> before that scope commits, so a committed
/// change always has its key and answer and a rolled-back one leaves none.
/// </summary>
public interface IIdempotencyStore
{
    /// <summary>Holds <paramref name="key"/> for <paramref name="requestHash"/>, or says why not. Purges a bounded batch
    /// of the scope's expired keys on the way.</summary>
    Task<IdempotencyClaim> ClaimAsync(IdempotencyScope scope, string key, string requestHash, DateTimeOffset now,
        DateTimeOffset expiresAt, CancellationToken cancellationToken);

    /// <summary>Stores the answer of the claimed key.</summary>
    Task RecordAsync(IdempotencyScope scope, string key, IdempotentResponse response, CancellationToken cancellationToken);
}
