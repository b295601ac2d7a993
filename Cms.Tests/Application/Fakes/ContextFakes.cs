using Cms.Application.Abstractions;

namespace Cms.Tests.Application.Fakes;

/// <summary>A clock that stands still until the test moves it.</summary>
public sealed class SettableTimeProvider(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start.ToUniversalTime();

    public override DateTimeOffset GetUtcNow() => _now;

    public void Set(DateTimeOffset now) => _now = now.ToUniversalTime();

    public void Advance(TimeSpan by) => _now += by;
}

/// <summary>Records what the transaction behaviour asks of the unit of work.</summary>
public sealed class FakeUnitOfWork : IUnitOfWork
{
    public List<string> Calls { get; } = [];

    public bool IsInTransactionScope { get; set; }

    public ValueTask BeginAsync(CancellationToken cancellationToken)
    {
        if (IsInTransactionScope)
        {
            throw new InvalidOperationException("A transaction is already open.");
        }

        Calls.Add("begin");
        IsInTransactionScope = true;
        return ValueTask.CompletedTask;
    }

    public ValueTask CommitAsync(CancellationToken cancellationToken)
    {
        Calls.Add("commit");
        IsInTransactionScope = false;
        return ValueTask.CompletedTask;
    }

    public ValueTask RollbackAsync(CancellationToken cancellationToken)
    {
        Calls.Add("rollback");
        IsInTransactionScope = false;
        return ValueTask.CompletedTask;
    }
}

/// <summary>The token's claims, as a test states them.</summary>
public sealed class FakeCurrentPrincipal : ICurrentPrincipal
{
    public bool IsAuthenticated { get; set; } = true;

    public string? Subject { get; set; }

    public Guid? TenantId { get; set; }

    public bool IsPlatformOperator { get; set; }

    public static FakeCurrentPrincipal Anonymous() => new() { IsAuthenticated = false };

    public static FakeCurrentPrincipal Platform(string subject = "platform-operator") => new() { Subject = subject, IsPlatformOperator = true };

    public static FakeCurrentPrincipal Tenant(Guid tenantId, string subject) => new() { Subject = subject, TenantId = tenantId };
}

/// <summary>Idempotency keys in memory (no transaction: a claim is kept until the end of the test).</summary>
public sealed class FakeIdempotencyStore : IIdempotencyStore
{
    private readonly Dictionary<(Guid?, string, string), (string Hash, IdempotentResponse? Response)> _keys = [];

    public int Claims { get; private set; }

    public Task<IdempotencyClaim> ClaimAsync(IdempotencyScope scope, string key, string requestHash, DateTimeOffset now,
        DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        Claims++;
        if (!_keys.TryGetValue((scope.TenantId, scope.Principal, key), out var row))
        {
            _keys[(scope.TenantId, scope.Principal, key)] = (requestHash, null);
            return Task.FromResult(new IdempotencyClaim(IdempotencyClaimOutcome.Claimed));
        }

        return Task.FromResult(row.Hash != requestHash ? new IdempotencyClaim(IdempotencyClaimOutcome.Mismatch)
            : row.Response is { } response ? new IdempotencyClaim(IdempotencyClaimOutcome.Replay, response)
            : new IdempotencyClaim(IdempotencyClaimOutcome.InFlight));
    }

    public Task RecordAsync(IdempotencyScope scope, string key, IdempotentResponse response, CancellationToken cancellationToken)
    {
        var id = (scope.TenantId, scope.Principal, key);
        _keys[id] = (_keys[id].Hash, response);
        return Task.CompletedTask;
    }
}
