using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Cms.Infrastructure.Persistence;

/// <summary>One round trip to the database outside any tenant (SELECT 1), for readiness.</summary>
public sealed class DatabasePing(DatabaseOptions options, IServiceProvider services)
{
    public async Task PingAsync(CancellationToken cancellationToken)
    {
        if (options.Provider == DatabaseProvider.Postgres)
        {
            await using var command = services.GetRequiredService<NpgsqlDataSource>().CreateCommand("SELECT 1");
            await command.ExecuteScalarAsync(cancellationToken);
            return;
        }

        await using var connection = new SqliteConnection(SqliteConnectionStrings.ForService(options.ConnectionString));
        await connection.OpenAsync(cancellationToken);
        await using var sqlite = connection.CreateCommand();
        sqlite.CommandText = "SELECT 1";
        await sqlite.ExecuteScalarAsync(cancellationToken);
    }
}
