using System.Data.Common;
using Cms.Application.Abstractions;
using Npgsql;

namespace Cms.Infrastructure.Persistence;

/// <summary>
/// PostgreSQL: a pooled connection from the <see cref="PostgresDataSource"/> (one host, or the primary of several), and
/// the tenant set for the transaction with <c>SET LOCAL app.tenant_id</c> ahead of the transaction's first statement, in
/// the same round trip (Npgsql sends BEGIN with it). SET LOCAL ends with the transaction, so a pooled connection (Npgsql
/// or PgBouncer in transaction mode) never carries a tenant over; it is also the form Citus propagates to its workers.
/// The value is a Guid formatted here, never caller text. With no tenant in scope nothing is set, and row-level security
/// answers nothing.
/// </summary>
public sealed class PostgresSession(PostgresDataSource dataSource, TenantScope tenant, UseCaseScope useCase, DatabaseOptions databaseOptions)
    : DbSession(tenant, databaseOptions)
{
    /// <summary>The client waits this much longer than the server's statement_timeout, so the server ends a slow statement
    /// itself (cleanly, also behind PgBouncer) before the client would send a cancel request.</summary>
    private const int ClientGraceSeconds = 5;

    private Guid? _applied;

    /// <summary>A session whose transactions are READ ONLY (the read replica's: a query can never write, even if the
    /// read connection string points at a primary by mistake); its use cases show as cms-api-read/... in
    /// pg_stat_activity.</summary>
    public static PostgresSession ReadOnly(PostgresDataSource dataSource, TenantScope tenant, UseCaseScope useCase, DatabaseOptions options) =>
        new(dataSource, tenant, useCase, options) { IsReadOnly = true };

    private bool IsReadOnly { get; init; }

    /// <summary>Writes nobody reads the outcome of go with the next round trip (a read-only session writes nothing).</summary>
    protected override bool HoldsWrites => !IsReadOnly;

    /// <summary>The primary's session carries the caller's row in front of a query's first read (docs/adr/0026).</summary>
    protected override bool CarriesLead => !IsReadOnly;

    /// <summary>A query's transaction only read (its settings end with it): ROLLBACK goes with the last read.</summary>
    protected override string? EndOfRead => "ROLLBACK";

    protected override int CommandTimeoutSeconds => ClientTimeoutSeconds(Options);

    /// <summary>How long the client waits for a statement: the server's statement_timeout and the grace above.</summary>
    internal static int ClientTimeoutSeconds(DatabaseOptions options) => options.CommandTimeoutSeconds + ClientGraceSeconds;

    protected override async Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken) =>
        await dataSource.Source.OpenConnectionAsync(cancellationToken);

    protected override async Task<DbTransaction> BeginTransactionAsync(DbConnection connection, CancellationToken cancellationToken) =>
        await connection.BeginTransactionAsync(System.Data.IsolationLevel.ReadCommitted, cancellationToken);

    /// <summary>
    /// The first statement of a transaction carries the transaction's settings in the same round trip: the server-side
    /// statement timeout, the use case as application_name (visible in pg_stat_activity and in the server's slow-statement
    /// log with %a) and the tenant. Every value is formatted here from a number, an enum name or a Guid, never caller text.
    /// </summary>
    protected override string Prepare(string sql, bool firstOfTransaction, Guid? scope)
    {
        var prefix = "";
        if (firstOfTransaction)
        {
            _applied = null;
            prefix = IsReadOnly ? "SET TRANSACTION READ ONLY;\n" : "";
            prefix += $"SET LOCAL statement_timeout = {Options.CommandTimeoutSeconds * 1000};\n";
            if (useCase.Current is { } current)
            {
                prefix += $"SET LOCAL application_name = '{(IsReadOnly ? "cms-api-read" : "cms-api")}/{current}';\n";
            }
        }

        // A platform operator creating a tenant enters that tenant's scope part-way through the transaction.
        if (scope is { } tenantId && tenantId != _applied)
        {
            _applied = tenantId;
            prefix += ServiceConnections.SetTenant(tenantId);
        }

        return prefix + sql;
    }

    protected override void ClearPool() => dataSource.ClearConnectionsAndHostStates();

    protected override bool IsMissingPartition(DbException exception) =>
        exception is PostgresException { SqlState: PostgresErrorCodes.CheckViolation } pg
        && pg.MessageText.StartsWith("no partition of relation", StringComparison.Ordinal);

    protected override bool IsUniqueViolation(DbException exception) =>
        exception is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation };
}
