using Microsoft.Data.Sqlite;
using Npgsql;

namespace Cms.Infrastructure.Persistence;

/// <summary>Start-up checks of the database settings (the API stays free of the providers' libraries).</summary>
public static class DatabaseSettings
{
    /// <summary>
    /// Throws <see cref="InvalidOperationException"/> naming <paramref name="setting"/> when <paramref name="value"/> is not a
    /// usable connection string for <paramref name="provider"/>. The parser's message names the keyword, never the value:
    /// the string may hold a password.
    /// </summary>
    public static void CheckConnectionString(DatabaseProvider provider, string value, string setting)
    {
        try
        {
            if (provider == DatabaseProvider.Postgres)
            {
                var builder = new NpgsqlConnectionStringBuilder(value);
                if (string.IsNullOrWhiteSpace(builder.Host) || string.IsNullOrWhiteSpace(builder.Username))
                {
                    throw new InvalidOperationException(
                        $"{setting} must be a PostgreSQL connection string with Host, Database and Username (Cms:Database:Provider is Postgres).");
                }
            }
            else
            {
                _ = new SqliteConnectionStringBuilder(value);
            }
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or KeyNotFoundException)
        {
            throw new InvalidOperationException($"{setting} must be a {provider} connection string; it cannot be parsed: {ex.Message}");
        }
    }
}
