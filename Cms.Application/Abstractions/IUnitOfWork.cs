namespace Cms.Application.Abstractions;

/// <summary>
/// The request's one connection and one transaction. The transaction behaviour owns the commit; handlers never commit.
/// </summary>
public interface IUnitOfWork
{
    /// <summary>True between <see cref="BeginAsync"/> and commit or rollback.</summary>
    bool IsInTransactionScope { get; }

    ValueTask BeginAsync(CancellationToken cancellationToken);

    ValueTask CommitAsync(CancellationToken cancellationToken);

    ValueTask RollbackAsync(CancellationToken cancellationToken);
}
