using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Cms.Infrastructure.Persistence;

/// <summary>
/// Rows in PostgreSQL's binary COPY format (the "Binary Format" of the COPY reference), written into a buffer by the thread
/// that made them and sent whole through a raw binary COPY: the bulk import encodes its rows on every core where it seals
/// them, and its connection's thread only sends bytes (NpgsqlBinaryImporter resolves, binds and writes every value on
/// that one thread, a fifth of the importer's CPU a row). Every field is a 32-bit big-endian length, then that many bytes
/// (-1 and none for NULL); a row starts with its 16-bit field count.
/// </summary>
internal static class PgBinaryCopy
{
    // "PGCOPY\n\377\r\n\0", then the 32-bit flags (0: no OIDs) and the 32-bit length of the header extension (0).
    private static readonly byte[] Header = [(byte)'P', (byte)'G', (byte)'C', (byte)'O', (byte)'P', (byte)'Y', (byte)'\n', 0xFF,
        (byte)'\r', (byte)'\n', 0, 0, 0, 0, 0, 0, 0, 0, 0];

    // The trailer: a field count of -1.
    private static readonly byte[] Trailer = [0xFF, 0xFF];

    // timestamptz is microseconds since 2000-01-01 00:00:00 UTC.
    private static readonly long PostgresEpochTicks = new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero).UtcTicks;

    public static ReadOnlyMemory<byte> Start => Header;

    public static ReadOnlyMemory<byte> End => Trailer;

    public static void RowStart(IBufferWriter<byte> output, int fields)
    {
        BinaryPrimitives.WriteInt16BigEndian(output.GetSpan(2), checked((short)fields));
        output.Advance(2);
    }

    public static void Int32(IBufferWriter<byte> output, int value)
    {
        var span = output.GetSpan(8);
        BinaryPrimitives.WriteInt32BigEndian(span, 4);
        BinaryPrimitives.WriteInt32BigEndian(span[4..], value);
        output.Advance(8);
    }

    /// <summary>A value of the types the service's rows hold (uuid, text, boolean, timestamptz, bigint, integer), or NULL.</summary>
    public static void Value(IBufferWriter<byte> output, object? value)
    {
        switch (value)
        {
            case null:
                BinaryPrimitives.WriteInt32BigEndian(output.GetSpan(4), -1);
                output.Advance(4);
                break;
            case string text:
                Text(output, text);
                break;
            case Guid id:
                var uuid = output.GetSpan(20);
                BinaryPrimitives.WriteInt32BigEndian(uuid, 16);
                id.TryWriteBytes(uuid[4..], bigEndian: true, out _); // RFC 4122 byte order, as uuid_recv reads it
                output.Advance(20);
                break;
            case DateTimeOffset time:
                Fixed8(output, (time.UtcTicks - PostgresEpochTicks) / TimeSpan.TicksPerMicrosecond);
                break;
            case bool flag:
                var boolean = output.GetSpan(5);
                BinaryPrimitives.WriteInt32BigEndian(boolean, 1);
                boolean[4] = flag ? (byte)1 : (byte)0;
                output.Advance(5);
                break;
            case long number:
                Fixed8(output, number);
                break;
            case int number:
                Int32(output, number);
                break;
            default:
                throw new InvalidOperationException($"The binary COPY has no form for {value.GetType().Name}.");
        }
    }

    public static void Text(IBufferWriter<byte> output, string text)
    {
        var length = Encoding.UTF8.GetByteCount(text);
        var span = output.GetSpan(4 + length);
        BinaryPrimitives.WriteInt32BigEndian(span, length);
        Encoding.UTF8.GetBytes(text, span[4..]);
        output.Advance(4 + length);
    }

    private static void Fixed8(IBufferWriter<byte> output, long value)
    {
        var span = output.GetSpan(12);
        BinaryPrimitives.WriteInt32BigEndian(span, 8);
        BinaryPrimitives.WriteInt64BigEndian(span[4..], value);
        output.Advance(12);
    }
}
