namespace Cms.Application.Abstractions;

/// <summary>
/// The one place a transaction is begun and ended: the transaction behaviour runs every command through it, and work
/// outside a request (webhook delivery, purges, key rotation) through <c>TenantWork</c>, which enters the tenant scope
/// first, so a background pass sets the tenant exactly as a request does.
/// </summary>
public static class UnitOfWorkRunner
{
    /// <summary>Runs <paramref name="work"/> in one transaction: committed when <paramref name="commit"/> says so, rolled
    /// back otherwise and on any exception.</summary>
    public static async ValueTask<T> InTransactionAsync<T>(this IUnitOfWork unitOfWork, Func<CancellationToken, ValueTask<T>> work,
        Func<T, bool> commit, CancellationToken cancellationToken)
    {
        if (unitOfWork.IsInTransactionScope)
        {
            throw new InvalidOperationException("A transaction is already open: one unit of work per request or background step.");
        }

        await unitOfWork.BeginAsync(cancellationToken);
        try
        {
            var result = await work(cancellationToken);
            if (commit(result))
            {
                await unitOfWork.CommitAsync(cancellationToken);
            }
            else
            {
                await unitOfWork.RollbackAsync(CancellationToken.None);
            }

            return result;
        }
        catch
        {
            await unitOfWork.RollbackAsync(CancellationToken.None);
            throw;
        }
    }
}
