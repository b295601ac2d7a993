namespace Cms.Infrastructure.Persistence;

/// <summary>
/// The session the query services read through: the CQRS read side. Outside a command it is the read replica's
/// session (<see cref="ReplicaSession"/>) when <c>Cms:Database:ReadConnectionString</c> is configured; inside a command
/// (a transaction scope is open on the primary) it is the primary's own session, so a command reads its own writes and
/// everything it decides on is current. Without a read connection everything stays on the primary, as before.
/// </summary>
/// <remarks>
/// What stays on the primary, always: every read of a command (its handler and its query services, through this
/// routing), the authorization behaviour's lookup of the caller's roles (a revoked role takes effect at once), the
/// idempotency keys, and the consumers' tenant keys (cached per process; read on a cache miss only). What reads a
/// replica: the queries (GET routes). See docs/scaling.md for the read-your-writes caveats.
/// </remarks>
public sealed class QuerySession(DbSession primary, ReplicaSession? replica = null)
{
    /// <summary>The session the next statement goes to.</summary>
    public DbSession Current => primary.IsInTransactionScope || replica is null ? primary : replica.Session;

    /// <summary>True when the next statement goes to the replica.</summary>
    public bool OnReplica => !ReferenceEquals(Current, primary);

    public Task<IReadOnlyList<T>> QueryAsync<T>(string sql, object? param, CancellationToken cancellationToken) =>
        Current.QueryAsync<T>(sql, param, cancellationToken);

    /// <summary>The last read of a query (a GET handler reads nothing after it): its read-only transaction ends in the
    /// same round trip instead of one of its own when the request ends (docs/adr/0023). Inside a command it is an ordinary
    /// read of the command's transaction.</summary>
    public Task<IReadOnlyList<T>> QueryLastAsync<T>(string sql, object? param, CancellationToken cancellationToken) =>
        Current.QueryAsync<T>(sql, param, endsRead: true, cancellationToken);

    /// <summary>As <see cref="QueryLastAsync{T}"/>, the rows built by <paramref name="row"/> from the reader (<see cref="RowValues"/>).</summary>
    public Task<List<T>> ReadLastAsync<T>(string sql, object? param, Func<System.Data.Common.DbDataReader, T> row,
        CancellationToken cancellationToken) =>
        Current.ReadRowsAsync(sql, param, row, endsRead: true, cancellationToken);

    public Task<T?> QuerySingleOrDefaultAsync<T>(string sql, object? param, CancellationToken cancellationToken) =>
        Current.QuerySingleOrDefaultAsync<T>(sql, param, cancellationToken);

    public Task<T> ExecuteScalarAsync<T>(string sql, object? param, CancellationToken cancellationToken) =>
        Current.ExecuteScalarAsync<T>(sql, param, cancellationToken);
}

/// <summary>
/// The request's session on the read replica (PostgreSQL hot standby): its own pooled connection and a read-only
/// transaction with the same <c>SET LOCAL app.tenant_id</c> and row-level security as on the primary (roles, policies
/// and grants replicate with the rest of the cluster). Disposed with the request scope.
/// </summary>
public sealed class ReplicaSession(DbSession session) : IAsyncDisposable
{
    public DbSession Session => session;

    public ValueTask DisposeAsync() => session.DisposeAsync();
}
