namespace Cms.Infrastructure.Persistence;

/// <summary>Instants as the database keeps them, for answers built from what a command wrote rather than read back
/// (docs/adr/0011): PostgreSQL keeps whole microseconds (Npgsql drops the 100 ns ticks below), SQLite the instant as given.</summary>
internal static class StoredInstants
{
    public static Func<DateTimeOffset, DateTimeOffset> Of(DbSession db) => db is PostgresSession ? Microseconds : instant => instant;

    private static DateTimeOffset Microseconds(DateTimeOffset instant) => new(instant.UtcTicks - (instant.UtcTicks % 10), TimeSpan.Zero);
}
