using System.Data.Common;
using Cms.Application.Abstractions;
using Cms.Infrastructure.Resilience;
using Dapper;

namespace Cms.Infrastructure.Persistence;

/// <summary>
/// The request's one connection and one transaction, opened on first use. Repositories and query services run every
/// statement through it, so the tenant setting (PostgreSQL) always precedes the first statement of the transaction.
/// A transaction begun for reads only is rolled back when the request ends; commands commit through the
/// transaction behaviour (<see cref="IUnitOfWork"/>).
/// </summary>
public abstract partial class DbSession(TenantScope tenant, DatabaseOptions options) : IUnitOfWork, IAsyncDisposable
{
    private DbConnection? _connection;
    private DbTransaction? _transaction;
    private bool _firstOfTransaction;
    private Action? _afterCommit;
    private readonly DeferredWrites _deferred = new();
    private readonly ReadsAlong _along = new();

    // Numbers every transaction of every session of the process, so a row lock taken by one is never mistaken for another's.
    private static long s_transactions;

    protected TenantScope Tenant => tenant;

    protected DatabaseOptions Options => options;

    public bool IsInTransactionScope { get; private set; }

    /// <summary>The current transaction's number, unique in the process (0 before the first statement): a row locked by a
    /// read of this transaction (<c>FOR NO KEY UPDATE</c>) stays locked while this number is current.</summary>
    internal long TransactionNumber { get; private set; }

    public ValueTask BeginAsync(CancellationToken cancellationToken)
    {
        IsInTransactionScope = true;
        return ValueTask.CompletedTask;
    }

    public async ValueTask CommitAsync(CancellationToken cancellationToken)
    {
        IsInTransactionScope = false;
        if (_deferred.Count > 0)
        {
            // The held writes and COMMIT in one round trip (docs/adr/0011): the command ends the transaction itself.
            cancellationToken.ThrowIfCancellationRequested();
            var command = await CommandAsync("COMMIT", null, cancellationToken);
            var afterCommit = _afterCommit;
            _afterCommit = null;
            var transaction = _transaction!;
            _transaction = null;
            try
            {
                await RunWriteAsync(command, commits: true);
            }
            finally
            {
                await DisposeQuietlyAsync(transaction);
            }

            afterCommit?.Invoke();
        }
        else if (_transaction is { } transaction)
        {
            _transaction = null;
            var afterCommit = _afterCommit;
            _afterCommit = null;
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                // Never cancelled once sent: a COMMIT cancelled half-way leaves its outcome unknown for no reason.
                await transaction.CommitAsync(CancellationToken.None);
            }
            catch (Exception ex) when (DatabaseFaults.IsConnectionLoss(ex))
            {
                // The server may have committed before the connection went: the retry decides whether that is safe.
                throw new CommitOutcomeUnknownException(ex);
            }
            finally
            {
                await DisposeQuietlyAsync(transaction);
            }

            afterCommit?.Invoke();
        }
    }

    /// <summary>Runs <paramref name="action"/> once the current transaction has committed (never if it rolls back): a
    /// signal to background work, which must not see the transaction's rows before they are committed.</summary>
    internal void AfterCommit(Action action) => _afterCommit += action;

    /// <summary>
    /// Between two attempts at the same unit of work (the database retry): ends any transaction, returns the connection
    /// (a broken one is discarded by the driver) and, when the database was unreachable, drops the pool's idle
    /// connections, which a server restart has broken too. The next statement starts afresh.
    /// </summary>
    public async ValueTask ResetAsync(bool connectionLost)
    {
        IsInTransactionScope = false;
        await EndTransactionAsync();
        if (_connection is { } connection)
        {
            _connection = null;
            await DisposeQuietlyAsync(connection);
        }

        if (connectionLost)
        {
            ClearPool();
        }
    }

    /// <summary>Drops idle pooled connections (after the server was lost, they are broken too).</summary>
    protected virtual void ClearPool()
    {
    }

    public async ValueTask RollbackAsync(CancellationToken cancellationToken)
    {
        IsInTransactionScope = false;
        await EndTransactionAsync();
    }

    public Task<IReadOnlyList<T>> QueryAsync<T>(string sql, object? param, CancellationToken cancellationToken) =>
        QueryAsync<T>(sql, param, endsRead: false, cancellationToken);

    /// <summary>A read as above; with <paramref name="endsRead"/> a query's read-only transaction ends in the same round trip
    /// (<see cref="EndOfRead"/>), and a later statement begins a new one, with the settings and the tenant again.</summary>
    internal Task<IReadOnlyList<T>> QueryAsync<T>(string sql, object? param, bool endsRead, CancellationToken cancellationToken) =>
        _along.Any || _lead is not null ? QueryMultipleAsync<IReadOnlyList<T>>(sql, param, async results => (await results.ReadAsync<T>()).AsList(), cancellationToken, endsRead)
            : RunAsync<IReadOnlyList<T>>(sql, param, async command => (await _connection!.QueryAsync<T>(command)).AsList(), cancellationToken,
                endsRead);

    public Task<T?> QuerySingleOrDefaultAsync<T>(string sql, object? param, CancellationToken cancellationToken) =>
        RunAsync(sql, param, command => _connection!.QuerySingleOrDefaultAsync<T>(command), cancellationToken);

    /// <summary>A read of one row, or of several (<see cref="ReadRowsAlong{T}"/>), queued to travel with this transaction's
    /// next pipelined read (<see cref="ReadsAlong"/>); the function gives what it read, reading it alone if it has not travelled.</summary>
    internal Func<CancellationToken, Task<T?>> ReadAlong<T>(string sql, object parameters) => _along.Add(HoldsWrites, sql, parameters,
        results => results.ReadSingleOrDefaultAsync<T?>(), cancellationToken => QuerySingleOrDefaultAsync<T>(sql, parameters, cancellationToken));

    internal Func<CancellationToken, Task<IReadOnlyList<T>>> ReadRowsAlong<T>(string sql, object parameters) => _along.Add<IReadOnlyList<T>>(HoldsWrites,
        sql, parameters, async results => (await results.ReadAsync<T>()).AsList(), cancellationToken => QueryAsync<T>(sql, parameters, cancellationToken));

    /// <summary>The statement that ends a query's read-only transaction with its last read, in the same round trip
    /// (PostgreSQL: ROLLBACK); null where the transaction is left to end with the request.</summary>
    protected virtual string? EndOfRead => null;

    /// <summary>Runs one read (which may carry held writes, <see cref="DeferAsync"/>), traced, its failures named; with
    /// <paramref name="endsRead"/>, outside a command, the transaction ends with it.</summary>
    private async Task<T> RunAsync<T>(string sql, object? param, Func<CommandDefinition, Task<T>> run, CancellationToken cancellationToken,
        bool endsRead = false)
    {
        var ending = endsRead && !IsInTransactionScope && _deferred.Count == 0 ? EndOfRead : null;
        var command = await CommandAsync(ending is null ? sql : $"{sql};\n{ending}", param, cancellationToken);
        using var activity = TraceCommand(command.CommandText);
        try
        {
            var result = await run(command);
            if (ending is not null)
            {
                // Ended on the server: disposing the driver's transaction sends nothing more.
                await EndTransactionAsync();
            }

            return result;
        }
        catch (Exception ex)
        {
            DatabaseTelemetry.Failed(activity, ex);
            if (Named(ex) is { } named)
            {
                throw named;
            }

            throw;
        }
    }

    /// <summary>
    /// A write whose outcome the caller does not read: an insert (or an update of a row this transaction just wrote)
    /// that either succeeds or fails the whole transaction. PostgreSQL holds it and sends it with the transaction's next
    /// read or its COMMIT, in the same round trip and in order (a failure then surfaces there: a duplicate key as
    /// <see cref="DuplicateKeyException"/>, as here). Anything that reads a count of affected rows uses
    /// <see cref="ExecuteAsync"/>. SQLite runs it at once.
    /// </summary>
    public async Task DeferAsync(string sql, object? param, CancellationToken cancellationToken)
    {
        if (!HoldsWrites || !DeferredWrites.CanJoin(param) && param is not System.Collections.IEnumerable)
        {
            await ExecuteAsync(sql, param, cancellationToken);
            return;
        }

        // A platform operator enters a tenant part-way through a transaction: each held write keeps the scope it was written
        // for and is sent under it (an update of the tenant registry under the tenant's own setting would change nothing).
        cancellationToken.ThrowIfCancellationRequested();
        _deferred.Add(sql, param, tenant.TenantId);
    }

    /// <summary>Whether <see cref="DeferAsync"/> holds writes for the next round trip (PostgreSQL).</summary>
    protected virtual bool HoldsWrites => false;

    public async Task<int> ExecuteAsync(string sql, object? param, CancellationToken cancellationToken)
    {
        // A count of affected rows must be this statement's alone: held writes go first, on their own.
        await FlushDeferredAsync(cancellationToken);
        var command = await CommandAsync(sql, param, cancellationToken);
        return await RunWriteAsync(command, commits: false);
    }

    private async Task FlushDeferredAsync(CancellationToken cancellationToken)
    {
        if (_deferred.Count > 0)
        {
            await RunWriteAsync(await CommandAsync("", null, cancellationToken, sendsHeldOnly: true), commits: false);
        }
    }

    /// <summary>Runs a write command, with the failures of a write named for what they are; when the command ends with
    /// COMMIT, a lost connection leaves the outcome unknown (the server may have committed).</summary>
    private async Task<int> RunWriteAsync(CommandDefinition command, bool commits)
    {
        using var activity = TraceCommand(command.CommandText);
        try
        {
            return await _connection!.ExecuteAsync(command);
        }
        catch (Exception ex) when (commits && DatabaseFaults.IsConnectionLoss(ex))
        {
            DatabaseTelemetry.Failed(activity, ex);
            throw new CommitOutcomeUnknownException(ex);
        }
        catch (Exception ex)
        {
            DatabaseTelemetry.Failed(activity, ex);
            if (Named(ex) is { } named)
            {
                throw named;
            }

            throw;
        }
    }

    /// <summary>The failures of a write named for what they are (a read may carry held writes, <see cref="DeferAsync"/>);
    /// null for anything else.</summary>
    private Exception? Named(Exception ex) => ex switch
    {
        DbException db when IsUniqueViolation(db) => new DuplicateKeyException("A unique key refused the write.", db),
        DbException db when IsMissingPartition(db) => new StorageNotReadyException(
            "No partition exists for the row's partition key (the month partitions of audit entries and events are created ahead of time).", db),
        _ => null,
    };

    public Task<T> ExecuteScalarAsync<T>(string sql, object? param, CancellationToken cancellationToken) =>
        RunAsync(sql, param, async command => (await _connection!.ExecuteScalarAsync<T>(command))!, cancellationToken);

    /// <summary>
    /// The open connection of the current transaction, for provider-specific bulk work (PostgreSQL binary COPY), with the
    /// writes held so far sent first (the bulk work comes after them). Call it only after a statement of this transaction
    /// has run through the session, so the transaction has begun and the tenant is set; it throws otherwise.
    /// </summary>
    internal async Task<DbConnection> ConnectionInTransactionAsync(CancellationToken cancellationToken)
    {
        if (_transaction is null || _firstOfTransaction || _connection is null)
        {
            throw new InvalidOperationException("No statement has run in this transaction yet.");
        }

        await FlushDeferredAsync(cancellationToken);
        return _connection;
    }

    public async ValueTask DisposeAsync()
    {
        await EndTransactionAsync();
        if (_connection is { } connection)
        {
            _connection = null;
            await connection.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }

    protected abstract Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken);

    protected abstract Task<DbTransaction> BeginTransactionAsync(DbConnection connection, CancellationToken cancellationToken);

    /// <summary>Seconds the client waits for a statement.</summary>
    protected virtual int CommandTimeoutSeconds => options.CommandTimeoutSeconds;

    /// <summary>The SQL to send for a statement of the current transaction, run under <paramref name="scope"/>
    /// (PostgreSQL prefixes the tenant setting when it changes).</summary>
    protected virtual string Prepare(string sql, bool firstOfTransaction, Guid? scope) => sql;

    protected abstract bool IsUniqueViolation(DbException exception);

    /// <summary>A partitioned table has no partition for the row (PostgreSQL); never on SQLite.</summary>
    protected virtual bool IsMissingPartition(DbException exception) => false;

    /// <summary>A client span for one command where the provider has no instrumentation of its own (SQLite); PostgreSQL
    /// returns null (Npgsql's activity source traces every command).</summary>
    protected virtual System.Diagnostics.Activity? TraceCommand(string sql) => null;

    /// <param name="sendsHeldOnly">The command is the held writes alone, each sent under the scope it was held under.</param>
    private async Task<CommandDefinition> CommandAsync(string sql, object? param, CancellationToken cancellationToken, bool sendsHeldOnly = false)
    {
        await SendLeadAloneAsync(cancellationToken);
        _connection ??= await OpenConnectionAsync(cancellationToken);
        if (_transaction is null)
        {
            _transaction = await BeginTransactionAsync(_connection, cancellationToken);
            _firstOfTransaction = true;
            TransactionNumber = Interlocked.Increment(ref s_transactions);
        }

        var scope = tenant.TenantId;
        if (_deferred.Count > 0 && !sendsHeldOnly && !DeferredWrites.CanJoin(param))
        {
            await FlushDeferredAsync(cancellationToken);
        }

        var first = _firstOfTransaction;
        _firstOfTransaction = false;
        string Prepared(string part, Guid? partScope)
        {
            var prepared = Prepare(part, first, partScope);
            first = false;
            return prepared;
        }

        string text;
        if (_deferred.Count > 0)
        {
            (text, var joined) = _deferred.TakeWith(sql, param, scope, Prepared);
            param = joined;
        }
        else
        {
            text = Prepared(sql, scope);
        }

        // A caller who goes away stops the request before its next statement, never in the middle of one: cancelling a
        // running statement sends a PostgreSQL cancel request, which behind PgBouncer in transaction mode left server
        // transactions idle and holding row locks (PoolHygieneTests found it). Statements are bounded by the command
        // timeout instead.
        cancellationToken.ThrowIfCancellationRequested();
        return new CommandDefinition(text, param, _transaction, CommandTimeoutSeconds, cancellationToken: CancellationToken.None);
    }

    private async Task EndTransactionAsync()
    {
        _afterCommit = null;
        _deferred.Clear();
        _along.Clear();
        _lead = null;
        if (_transaction is { } transaction)
        {
            _transaction = null;
            await DisposeQuietlyAsync(transaction);
        }
    }

    /// <summary>
    /// Disposing rolls back; on a connection that is already broken that can fail too, and must not hide the failure that
    /// broke it (the server rolls back a transaction whose connection is gone).
    /// </summary>
    private static async Task DisposeQuietlyAsync(IAsyncDisposable disposable)
    {
        try
        {
            await disposable.DisposeAsync();
        }
        catch (Exception ex) when (ex is DbException or InvalidOperationException or IOException or ObjectDisposedException)
        {
        }
    }
}
