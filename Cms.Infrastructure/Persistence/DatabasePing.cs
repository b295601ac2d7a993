using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Cms.Infrastructure.Persistence;

/// <summary>
/// One round trip to the database outside any tenant (SELECT 1), for readiness and for the circuit breaker's recovery
/// probe. PostgreSQL: a failure on a pooled connection is tried once more on a fresh one after the pools are cleared,
/// because idle connections from before an outage or a failover are dead although the database answers again: without
/// that, the first polls after a recovery fail on them one by one (a readiness flap).
/// </summary>
public sealed class DatabasePing(DatabaseOptions options, IServiceProvider services)
{
    public async Task PingAsync(CancellationToken cancellationToken)
    {
        if (options.Provider == DatabaseProvider.Postgres)
        {
            try
            {
                await PingPostgresAsync(cancellationToken);
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested)
            {
                ClearPools();
                await PingPostgresAsync(cancellationToken);
            }

            return;
        }

        await using var connection = new SqliteConnection(SqliteConnectionStrings.ForService(options.ConnectionString));
        await connection.OpenAsync(cancellationToken);
        await using var sqlite = connection.CreateCommand();
        sqlite.CommandText = "SELECT 1";
        await sqlite.ExecuteScalarAsync(cancellationToken);
    }

    /// <summary>PostgreSQL: drops the idle connections of the primary's and the replica's pools, and what they remember of
    /// their hosts' roles (no-op on SQLite).</summary>
    public void ClearPools()
    {
        if (options.Provider != DatabaseProvider.Postgres)
        {
            return;
        }

        services.GetRequiredService<PostgresDataSource>().ClearConnectionsAndHostStates();
        services.GetKeyedService<PostgresDataSource>(DependencyInjection.ReadSideKey)?.ClearConnectionsAndHostStates();
    }

    private async Task PingPostgresAsync(CancellationToken cancellationToken)
    {
        await using var command = services.GetRequiredService<NpgsqlDataSource>().CreateCommand("SELECT 1");
        await command.ExecuteScalarAsync(cancellationToken);
    }
}
