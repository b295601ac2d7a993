using System.Data.Common;
using Cms.Application.Abstractions;
using Npgsql;

namespace Cms.Infrastructure.Persistence;

/// <summary>
/// PostgreSQL: a pooled connection from the <see cref="NpgsqlDataSource"/>, and the tenant set for the transaction with
/// <c>SET LOCAL app.tenant_id</c> ahead of the transaction's first statement, in the same round trip (Npgsql sends
/// BEGIN with it). SET LOCAL ends with the transaction, so a pooled connection (Npgsql or PgBouncer in transaction mode)
/// never carries a tenant over; it is also the form Citus propagates to its workers. The value is a Guid formatted here,
/// never caller text. With no tenant in scope nothing is set, and row-level security answers nothing.
/// </summary>
public sealed class PostgresSession(NpgsqlDataSource dataSource, TenantScope tenant, DatabaseOptions options)
    : DbSession(tenant, options)
{
    private Guid? _applied;

    /// <summary>A session whose transactions are READ ONLY (the read replica's: a query can never write, even if the
    /// read connection string points at a primary by mistake).</summary>
    public static PostgresSession ReadOnly(NpgsqlDataSource dataSource, TenantScope tenant, DatabaseOptions options) =>
        new(dataSource, tenant, options) { IsReadOnly = true };

    private bool IsReadOnly { get; init; }

    protected override async Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken) =>
        await dataSource.OpenConnectionAsync(cancellationToken);

    protected override async Task<DbTransaction> BeginTransactionAsync(DbConnection connection, CancellationToken cancellationToken) =>
        await connection.BeginTransactionAsync(System.Data.IsolationLevel.ReadCommitted, cancellationToken);

    protected override string Prepare(string sql, bool firstOfTransaction)
    {
        var prefix = "";
        if (firstOfTransaction)
        {
            _applied = null;
            if (IsReadOnly)
            {
                prefix = "SET TRANSACTION READ ONLY;\n";
            }
        }

        // A platform operator creating a tenant enters that tenant's scope part-way through the transaction.
        if (Tenant.TenantId is { } tenantId && tenantId != _applied)
        {
            _applied = tenantId;
            return $"{prefix}SET LOCAL app.tenant_id = '{tenantId:D}';\n{sql}";
        }

        return prefix + sql;
    }

    protected override bool IsUniqueViolation(DbException exception) =>
        exception is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation };
}
