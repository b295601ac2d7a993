using Cms.Application.Abstractions;
using System.Collections.Concurrent;

namespace Cms.Infrastructure.Persistence;

/// <summary>
/// The request's stamp of its tenant's reference data (taxonomies, closure days, clock settings, legal entities, queues,
/// staff members other than the caller): read
/// in the caller's statement, the first of every tenant request (StaffRepository.FindCallerAsync), so checking it costs
/// no round trip. Every change to that data sets a new stamp in the same transaction (<see cref="ChangedAsync"/>), on
/// whichever instance makes it; a cached value is used only under the stamp it was loaded under, so a committed change
/// takes effect on every instance from the next request. Scoped (one request).
/// </summary>
internal sealed class ReferenceStamp(DbSession db, TenantScope scope)
{
    /// <summary>The stamp of a tenant whose reference data never changed (it has no row).</summary>
    public const long Never = 0;

    /// <summary>The stamp read with the caller, as the SQL of the caller's statement reads it (a scalar subquery).</summary>
    public const string ReadSql = "COALESCE((SELECT r.stamp FROM tenant_reference_stamps r WHERE r.tenant_id = s.tenant_id), 0)";

    private (Guid Tenant, long Stamp)? _read;

    /// <summary>The tenant and stamp the cache may serve under; null once this request changed the data itself, or when no
    /// caller was read (background work, platform calls): then everything is read from the database.</summary>
    public (Guid Tenant, long Stamp)? Current => _read is { } read && scope.TenantId == read.Tenant ? read : null;

    public void Read(Guid tenantId, long stamp) => _read = (tenantId, stamp);

    /// <summary>Records, in the current transaction, that the tenant's reference data changed: a new random stamp (a
    /// number that was never the stamp, so no cached value of before matches it, even after the table was emptied).</summary>
    public async Task ChangedAsync(CancellationToken cancellationToken)
    {
        _read = null;
        // Nobody reads its outcome: it travels with the transaction's next statement or its COMMIT (DbSession.DeferAsync).
        await db.DeferAsync(
            """
            INSERT INTO tenant_reference_stamps (tenant_id, stamp) VALUES (@TenantId, @Stamp)
            ON CONFLICT (tenant_id) DO UPDATE SET stamp = excluded.stamp
            """,
            new { TenantId = scope.Required, Stamp = Random.Shared.NextInt64(1, long.MaxValue) }, cancellationToken);
    }
}

/// <summary>
/// Tenant reference data kept in the service (one per process), each value under the stamp it was loaded under
/// (<see cref="ReferenceStamp"/>). Values must be immutable: one instance is handed to many requests.
/// </summary>
internal sealed class ReferenceCache
{
    /// <summary>A bound on what the cache holds (look-ups of unknown codes are kept too): past it, it starts again empty.</summary>
    private const int MaxEntries = 50_000;

    private readonly ConcurrentDictionary<(Guid Tenant, string Key), (long Stamp, object? Value)> _entries = new();

    /// <summary>As <see cref="GetAsync{T}"/>, with the load a single-row read queued to travel with the request's next
    /// load (<see cref="DbSession.ReadAlong{T}"/>) when the value is not cached under the request's stamp; the function,
    /// called after that load, gives the value.</summary>
    public Func<CancellationToken, Task<T?>> GetAlong<T>(ReferenceStamp stamp, string key, DbSession db, string sql, object parameters) =>
        GetAlong<T?>(stamp, key, () => db.ReadAlong<T>(sql, parameters));

    /// <summary>As above, with the read <paramref name="queue"/> queues (<see cref="DbSession.ReadAlong{T}"/>,
    /// <see cref="DbSession.ReadRowsAlong{T}"/>) when the value is not cached.</summary>
    public Func<CancellationToken, Task<T>> GetAlong<T>(ReferenceStamp stamp, string key, Func<Func<CancellationToken, Task<T>>> queue)
    {
        if (TryGetCached<T>(stamp, key, out var cached))
        {
            return _ => Task.FromResult(cached);
        }

        var read = queue();
        return cancellationToken => GetAsync(stamp, key, () => read(cancellationToken));
    }

    /// <summary>The value of <paramref name="key"/> for the request's tenant: the cached one when it was loaded under the
    /// request's stamp, else <paramref name="load"/>'s (then kept under that stamp).</summary>
    public async Task<T> GetAsync<T>(ReferenceStamp stamp, string key, Func<Task<T>> load)
    {
        if (stamp.Current is not { } current)
        {
            return await load();
        }

        if (TryGetCached<T>(stamp, key, out var cached))
        {
            return cached;
        }

        var value = await load();
        if (_entries.Count >= MaxEntries)
        {
            _entries.Clear();
        }

        _entries[(current.Tenant, key)] = (current.Stamp, value);
        return value;
    }

    /// <summary>The value of <paramref name="key"/> cached for the request's tenant under the request's stamp, if any.</summary>
    private bool TryGetCached<T>(ReferenceStamp stamp, string key, out T value)
    {
        if (stamp.Current is { } current && _entries.TryGetValue((current.Tenant, key), out var entry) && entry.Stamp == current.Stamp)
        {
            value = (T)entry.Value!;
            return true;
        }

        value = default!;
        return false;
    }
}
