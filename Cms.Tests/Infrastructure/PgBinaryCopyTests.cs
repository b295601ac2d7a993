using System.Buffers;
using Cms.Infrastructure.Persistence;
using Cms.Tests.Support;
using Npgsql;

namespace Cms.Tests.Infrastructure;

/// <summary>
/// The bulk import's own binary COPY encoding (<see cref="PgBinaryCopy"/>) is read by a real PostgreSQL as the values it
/// was given: every type the consumers rows hold, NULL, text beyond ASCII, and timestamps before and after PostgreSQL's
/// epoch to the microsecond.
/// </summary>
public sealed class PgBinaryCopyTests : OwnPostgresDatabase
{
    [Test]
    public async Task Rows_encoded_for_a_raw_binary_copy_read_back_as_written()
    {
        var id = Guid.Parse("0192f0c1-2b3a-7c4d-8e5f-60718293a4b5");
        var after = new DateTimeOffset(2026, 12, 7, 13, 5, 9, TimeSpan.FromHours(2)).AddTicks(1_234_560);
        var before = new DateTimeOffset(1999, 12, 31, 23, 59, 59, TimeSpan.Zero).AddTicks(9_999_990);
        var rows = new object?[][]
        {
            [7, id, "Zoë Ångström – 東京", true, after, 42L],
            [0, null, null, null, null, null],
            [-3, Guid.Empty, "", false, before, long.MinValue],
        };
        var buffer = new ArrayBufferWriter<byte>();
        foreach (var row in rows)
        {
            PgBinaryCopy.RowStart(buffer, row.Length);
            PgBinaryCopy.Int32(buffer, (int)row[0]!);
            foreach (var value in row.Skip(1))
            {
                PgBinaryCopy.Value(buffer, value);
            }
        }

        await using var connection = (NpgsqlConnection)Db.OpenPrivileged();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var create = new NpgsqlCommand(
            "CREATE TEMPORARY TABLE copied (n integer, id uuid, name text, flag boolean, at timestamptz, big bigint) ON COMMIT DROP",
            connection, transaction))
        {
            await create.ExecuteNonQueryAsync();
        }

        await using (var copy = await connection.BeginRawBinaryCopyAsync("COPY copied FROM STDIN (FORMAT BINARY)"))
        {
            await copy.WriteAsync(PgBinaryCopy.Start);
            await copy.WriteAsync(buffer.WrittenMemory);
            await copy.WriteAsync(PgBinaryCopy.End);
        }

        var read = new List<object?[]>();
        await using (var select = new NpgsqlCommand("SELECT n, id, name, flag, at, big FROM copied ORDER BY n DESC", connection, transaction))
        await using (var reader = await select.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                read.Add(
                [
                    reader.GetInt32(0),
                    reader.IsDBNull(1) ? null : reader.GetGuid(1),
                    reader.IsDBNull(2) ? null : reader.GetString(2),
                    reader.IsDBNull(3) ? null : reader.GetBoolean(3),
                    reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4),
                    reader.IsDBNull(5) ? null : reader.GetInt64(5),
                ]);
            }
        }

        Assert.That(read, Is.EqualTo(rows.Select(r => r.Select(v => v is DateTimeOffset t ? t.ToUniversalTime() : v).ToArray())));
    }
}
