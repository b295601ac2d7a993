using Cms.Application.Abstractions;
using Microsoft.Extensions.DependencyInjection;

namespace Cms.Infrastructure.Persistence;

/// <summary>
/// How work outside a request (webhook delivery, the idempotency purge, the overdue gauge, key rotation) enters a
/// tenant: a service scope of its own, the tenant entered in that scope's <see cref="TenantScope"/> (as the
/// authorization behaviour enters it for a request), and one transaction through the scope's unit of work
/// (<see cref="UnitOfWorkRunner"/>, as the transaction behaviour runs a command). The session then sets the tenant
/// ahead of the transaction's first statement, so a background pass is isolated by the same code as a request.
/// </summary>
public sealed class TenantWork(IServiceScopeFactory scopes)
{
    /// <summary>Runs <paramref name="work"/> in one transaction of <paramref name="tenantId"/> (null: no tenant, e.g. the
    /// tenant registry or the platform's own rows), committed unless <paramref name="commit"/> is false.</summary>
    public Task<T> RunAsync<T>(Guid? tenantId, Func<DbSession, CancellationToken, Task<T>> work, CancellationToken cancellationToken,
        bool commit = true) =>
        RunAsync(tenantId, (services, token) => work(services.GetRequiredService<DbSession>(), token), cancellationToken, commit);

    /// <summary>As above, with the scope's services (for a query service bound to the scope's tenant).</summary>
    public async Task<T> RunAsync<T>(Guid? tenantId, Func<IServiceProvider, CancellationToken, Task<T>> work, CancellationToken cancellationToken,
        bool commit = true)
    {
        cancellationToken.ThrowIfCancellationRequested();
        await using var scope = scopes.CreateAsyncScope();
        if (tenantId is { } id)
        {
            scope.ServiceProvider.GetRequiredService<TenantScope>().Enter(id);
        }

        var session = scope.ServiceProvider.GetRequiredService<DbSession>();
        return await session.InTransactionAsync(async token => await work(scope.ServiceProvider, token), _ => commit, cancellationToken);
    }
}
