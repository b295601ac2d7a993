namespace Cms.Application.Abstractions;

/// <summary>
/// Whose keys these are: a tenant's principal (<paramref name="TenantId"/> set), or a platform operator
/// (<paramref name="TenantId"/> null, kept apart from every tenant's keys).
/// </summary>
public sealed record IdempotencyScope(Guid? TenantId, string Principal);

/// <summary>The answer recorded for a key and replayed for a repeat of the same request. <paramref name="Subject"/> names the
/// consumer an answer holding personal data is about: the store keeps such a body only sealed under that consumer's key.</summary>
public sealed record IdempotentResponse(int StatusCode, string Body, string? Location, string? ETag,
    Behaviours.AnswerSubject? Subject = null);

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

/// <param name="ErasedReference">On a <see cref="IdempotencyClaimOutcome.Replay"/> whose answer was sealed under a key that
/// erasure has destroyed: the reference the answer is rebuilt from (<see cref="Behaviours.PersonalAnswers"/>); the
/// response is then null.</param>
public sealed record IdempotencyClaim(IdempotencyClaimOutcome Outcome, IdempotentResponse? Response = null, string? ErasedReference = null);

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

/// <summary><c>Cms:Idempotency</c>: how long a key is kept (and replayed) after its first use, and its purge.</summary>
public sealed class IdempotencyOptions
{
    public const string Section = "Cms:Idempotency";

    public TimeSpan Retention { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// How often the background purge deletes expired keys of every tenant, those of tenants that send no more keys
    /// included; zero turns it off (claims still purge their own scope lazily).
    /// </summary>
    public TimeSpan PurgeInterval { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Keys deleted per transaction by the background purge (at most 10 batches per tenant per pass).</summary>
    public int PurgeBatchSize { get; set; } = 500;

    /// <summary>
    /// Token subjects (<c>sub</c>) of integration service accounts that must send an Idempotency-Key on every idempotent
    /// POST: without one they get 400 naming the header instead of an unprotected write. Configured by the operator who
    /// registers the integration with the identity provider, e.g. <c>Cms__Idempotency__RequiredFor__0=svc-intake</c>.
    /// </summary>
    public List<string> RequiredFor { get; set; } = [];
}

/// <summary>
/// The <c>Idempotency-Key</c> this request carries, as the API read it from the header: the key and a hash of the
/// request (method, path, query, body). Set before the use case runs; the idempotency behaviour takes it for the one
/// command of the request, after that command passed authorization.
/// </summary>
public sealed class IdempotentRequest
{
    public string? Key { get; private set; }

    public string RequestHash { get; private set; } = "";

    /// <summary>The key is held in the current transaction (a COMMIT whose outcome is lost may then be retried: the
    /// retry replays the answer or does the work again, never twice).</summary>
    public bool Claimed { get; private set; }

    private bool _taken;

    public void Carry(string key, string requestHash)
    {
        Key = key;
        RequestHash = requestHash;
        Claimed = false;
        _taken = false;
    }

    /// <summary>The key, once per attempt at the request: a second command of the same request does not take it.</summary>
    public bool TryTake(out string key)
    {
        key = Key ?? "";
        if (Key is null || _taken)
        {
            return false;
        }

        _taken = true;
        return true;
    }

    public void MarkClaimed() => Claimed = true;
}

/// <summary>
/// How a use case's answer is kept for replay: JSON with the options of the HTTP API (set by the host), so the stored
/// body is the body the caller received and a replay serialises back to the same bytes.
/// </summary>
public sealed class IdempotentAnswerFormat(System.Text.Json.JsonSerializerOptions json)
{
    public string Write(object? value, Type type) => System.Text.Json.JsonSerializer.Serialize(value, type, json);

    public object? Read(string body, Type type) => System.Text.Json.JsonSerializer.Deserialize(body, type, json);
}
