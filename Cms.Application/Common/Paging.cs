using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace Cms.Application.Common;

/// <summary>A page of a keyset-paged list; <see cref="NextCursor"/> is null on the last page.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? NextCursor);

/// <summary>The position after the last row of a page: the sort key (optional instant, then id).</summary>
public sealed record CursorKey(DateTimeOffset? At, Guid Id);

/// <summary>
/// Opaque keyset cursors: base64url of "v1|ticks|id". Callers must treat them as opaque; a cursor that does not
/// decode is a validation error, never a server error.
/// </summary>
public static class Cursor
{
    private const string Version = "v1";

    public static string Encode(CursorKey key)
    {
        var ticks = key.At?.UtcTicks.ToString(CultureInfo.InvariantCulture) ?? "";
        var raw = Encoding.UTF8.GetBytes($"{Version}|{ticks}|{key.Id:N}");
        return Base64Url.EncodeToString(raw);
    }

    public static bool TryDecode(string? cursor, out CursorKey? key)
    {
        key = null;
        if (string.IsNullOrEmpty(cursor))
        {
            return true;
        }

        if (cursor.Length > 200)
        {
            return false;
        }

        byte[] raw;
        try
        {
            raw = Base64Url.DecodeFromChars(cursor);
        }
        catch (FormatException)
        {
            return false;
        }

        var parts = Encoding.UTF8.GetString(raw).Split('|');
        if (parts.Length != 3 || parts[0] != Version || !Guid.TryParseExact(parts[2], "N", out var id))
        {
            return false;
        }

        DateTimeOffset? at = null;
        if (parts[1].Length > 0)
        {
            if (!long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
                || ticks < DateTimeOffset.MinValue.UtcTicks || ticks > DateTimeOffset.MaxValue.UtcTicks)
            {
                return false;
            }

            at = new DateTimeOffset(ticks, TimeSpan.Zero);
        }

        key = new CursorKey(at, id);
        return true;
    }

    /// <summary>Builds a page from up to limit+1 rows: the extra row only says that another page exists.</summary>
    public static Page<T> ToPage<T>(IReadOnlyList<T> rowsPlusOne, int limit, Func<T, CursorKey> keyOf)
    {
        if (rowsPlusOne.Count <= limit)
        {
            return new Page<T>(rowsPlusOne, null);
        }

        var items = rowsPlusOne.Take(limit).ToList();
        return new Page<T>(items, Encode(keyOf(items[^1])));
    }
}

/// <summary>What every list request carries.</summary>
public interface IPagedRequest
{
    int? Limit { get; }
    string? Cursor { get; }
}

public static class PagedRequestExtensions
{
    public static int EffectiveLimit(this IPagedRequest request) => request.Limit ?? Domain.Common.Limits.DefaultPageSize;

    /// <summary>The decoded cursor; the validator has already refused one that does not decode.</summary>
    public static CursorKey? After(this IPagedRequest request) =>
        Cursor.TryDecode(request.Cursor, out var key) ? key : throw new InvalidOperationException("The cursor was not validated.");
}
