using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Cms.Infrastructure.Persistence;

/// <summary>
/// A connection of the service's own outside any request session (the tenant registry read by the overdue gauge on
/// SQLite). Work inside a tenant goes through <see cref="TenantWork"/>.
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
}
