using System.Data.Common;
using Cms.Application.Abstractions;
using Microsoft.Data.Sqlite;

namespace Cms.Infrastructure.Persistence;

/// <summary>
/// SQLite, the embedded database for local runs and fast tests. It has no row-level security: only the application
/// lock (tenant_id in every statement) isolates tenants here. Transactions start IMMEDIATE so that a request that reads
/// then writes never fails on a stale snapshot; the busy timeout queues concurrent writers.
/// </summary>
public sealed class SqliteSession(TenantScope tenant, DatabaseOptions options) : DbSession(tenant, options)
{
    private readonly string _connectionString = SqliteConnectionStrings.ForService(options.ConnectionString);

    protected override async Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        // With the write-ahead log (set by the migrator) NORMAL is safe against a crash of the process; only a power
        // loss may take the last commits. The embedded database is for local runs and tests, not production.
        // secure_delete: what a write replaces or frees is zeroed, so text replaced at erasure (plaintext of rows never
        // converted) does not linger in the file's free space once the page is checkpointed.
        await using var pragma = connection.CreateCommand();
        pragma.CommandText = "PRAGMA synchronous=NORMAL; PRAGMA secure_delete=ON;";
        await pragma.ExecuteNonQueryAsync(cancellationToken);
        return connection;
    }

    protected override Task<DbTransaction> BeginTransactionAsync(DbConnection connection, CancellationToken cancellationToken) =>
        Task.FromResult<DbTransaction>(((SqliteConnection)connection).BeginTransaction(deferred: false));

    protected override bool IsUniqueViolation(DbException exception) =>
        exception is SqliteException { SqliteErrorCode: 19, SqliteExtendedErrorCode: 2067 or 1555 };

    protected override System.Diagnostics.Activity? TraceCommand(string sql) => DatabaseTelemetry.StartCommand("sqlite", sql);
}

public static class SqliteConnectionStrings
{
    /// <summary>Foreign keys on, a generous busy timeout, pooled connections.</summary>
    public static string ForService(string connectionString) =>
        new SqliteConnectionStringBuilder(connectionString)
        {
            ForeignKeys = true,
            DefaultTimeout = 30,
            Pooling = true,
        }.ToString();
}
