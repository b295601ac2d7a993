using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Cms.Infrastructure.Persistence;

/// <summary>
/// A connection of the service's own outside any request session, and the one statement that enters a tenant for a
/// transaction (the request session sends it too). Background work inside a tenant goes through <see cref="TenantWork"/>;
/// the passes that need a connection apart from any session (reference blocks, the change sealer) send this statement.
/// </summary>
internal static class ServiceConnections
{
    /// <summary>An open connection as the service (cms_app from the pool on PostgreSQL, the service's SQLite file).</summary>
    public static async Task<DbConnection> OpenAsync(DatabaseOptions options, IServiceProvider services, CancellationToken cancellationToken)
    {
        if (options.Provider == DatabaseProvider.Postgres)
        {
            return await services.GetRequiredService<NpgsqlDataSource>().OpenConnectionAsync(cancellationToken);
        }

        var connection = new SqliteConnection(SqliteConnectionStrings.ForService(options.ConnectionString));
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    /// <summary>The tenant setting row-level security reads, for the current transaction only (PostgreSQL). A Guid
    /// formatted here, never caller text.</summary>
    public static string SetTenant(Guid tenantId) => $"SET LOCAL app.tenant_id = '{tenantId:D}';\n";
}
