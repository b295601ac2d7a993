using System.Data.Common;

namespace Cms.Infrastructure.Persistence;

/// <summary>
/// Rows built from the reader itself (<see cref="DbSession.ReadRowsAsync{T}"/>), their columns read with typed getters
/// into the values <see cref="TypeHandlers"/> gives Dapper on both providers: PostgreSQL's uuid and timestamptz natively,
/// SQLite's TEXT ids and fixed-width ISO-8601 UTC instants parsed.
/// </summary>
internal static class RowValues
{
    /// <summary>
    /// Every row of the reader's first result built by <paramref name="row"/>, then the rest of the command read to its end
    /// (a ROLLBACK that ends the read: a failure there surfaces here); the reader is disposed. For the pages read on every
    /// request: no per-row mapper and no value boxed on its way to the row (the queue page's 51 rows, docs/performance.md).
    /// </summary>
    public static async Task<List<T>> ReadAllAsync<T>(DbDataReader reader, Func<DbDataReader, T> row, LeadRead? lead = null)
    {
        await using (reader)
        {
            if (lead is not null)
            {
                // the lead read's rows come first (DbSession.ReadFirst)
                await lead.ReadAsync(reader);
            }

            var rows = new List<T>();
            while (await reader.ReadAsync(CancellationToken.None))
            {
                rows.Add(row(reader));
            }

            while (await reader.NextResultAsync(CancellationToken.None))
            {
            }

            return rows;
        }
    }

    public static Guid Id(DbDataReader reader, int ordinal) => reader.GetGuid(ordinal);

    public static Guid? OptionalId(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetGuid(ordinal);

    public static DateTimeOffset Instant(DbDataReader reader, int ordinal) =>
        reader.GetFieldType(ordinal) == typeof(string)
            ? TypeHandlers.ParseInstant(reader.GetString(ordinal))
            : reader.GetFieldValue<DateTimeOffset>(ordinal).ToUniversalTime();

    public static DateTimeOffset? OptionalInstant(DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : Instant(reader, ordinal);
}
