using System.Collections.Concurrent;

namespace Cms.Infrastructure.Staff;

/// <summary>
/// The callers' rows as this process last read them (one per process), by tenant and subject: what a query is decided on
/// while the caller's row is read again in its transaction (StaffRepository.FindCachedCaller, docs/adr/0026). Nothing
/// here is trusted on its own: every request reads the row, and an answer decided on a cached row that no longer matches
/// is dropped. The rows are immutable (a member is built from them for each request).
/// </summary>
internal sealed class CallerCache
{
    /// <summary>A bound on what the cache holds: past it, it starts again empty.</summary>
    private const int MaxEntries = 20_000;

    private readonly ConcurrentDictionary<(Guid Tenant, string Subject), IReadOnlyList<StaffRow>> _rows = new();

    /// <summary>The rows last read for the caller; null when none were (or the caller was not found).</summary>
    public IReadOnlyList<StaffRow>? Get(Guid tenantId, string subject) =>
        _rows.TryGetValue((tenantId, subject), out var rows) ? rows : null;

    /// <summary>Keeps the rows just read for the caller (none found: forgets them).</summary>
    public void Set(Guid tenantId, string subject, IReadOnlyList<StaffRow> rows)
    {
        if (rows.Count == 0)
        {
            _rows.TryRemove((tenantId, subject), out _);
            return;
        }

        // Count takes every lock of the dictionary: asked only when a caller is new, not on every request's caller read.
        if (!_rows.ContainsKey((tenantId, subject)) && _rows.Count >= MaxEntries)
        {
            _rows.Clear();
        }

        _rows[(tenantId, subject)] = rows;
    }
}
