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
