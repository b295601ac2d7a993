using Npgsql;

namespace Cms.Tests.Support;

/// <summary>
/// The one way a test opens a PostgreSQL connection of its own, beside the service's (to arrange rows as the owner, look
/// as the superuser, hold a lock, or probe a pool). Opening is where a wrong port or role shows, so it happens here.
/// </summary>
internal static class Connections
{
    public static async Task<NpgsqlConnection> OpenAsync(string connectionString)
    {
        var connection = new NpgsqlConnection(connectionString);
        try
        {
            await connection.OpenAsync();
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public static NpgsqlConnection Open(string connectionString)
    {
        var connection = new NpgsqlConnection(connectionString);
        try
        {
            connection.Open();
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }
}
