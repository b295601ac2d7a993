using Dapper;

namespace Cms.Infrastructure.Persistence;

/// <summary>
/// Reads a command queues to travel with its transaction's next pipelined read or read of several rows
/// (<see cref="DbSession.QueryMultipleAsync{T}"/>, e.g. a complaint's or a staff member's load), after that read's own
/// statements and in the same round trip: a letter, its complaint's consumer or a letter template read with the complaint
/// they belong to, the queues not yet cached with the member an admin gives them to (docs/adr/0011 part 7); reads of
/// several rows too, an erasure's unsealed text with the consumer, an FCA snapshot's earlier snapshots, entity and
/// taxonomies with the return's aggregates (part 8). A read asked for before it travelled runs on its own, so nothing
/// waits on a pipeline that never comes. PostgreSQL only (<see cref="DbSession.ReadAlong{T}"/> runs it at once elsewhere).
/// </summary>
internal sealed class ReadsAlong
{
    private readonly List<Pending> _pending = [];

    /// <summary>Whether a read waits to travel.</summary>
    public bool Any => _pending.Count > 0;

    /// <summary>Queues a read whose result set <paramref name="read"/> takes (one row, or several); the function gives what it
    /// read once it travelled, else withdraws it and runs <paramref name="alone"/>. Where reads do not <paramref name="travel"/>
    /// (SQLite, a read-only session), it is <paramref name="alone"/>.</summary>
    public Func<CancellationToken, Task<T>> Add<T>(bool travel, string sql, object parameters, Func<SqlMapper.GridReader, Task<T>> read,
        Func<CancellationToken, Task<T>> alone)
    {
        if (!travel)
        {
            return alone;
        }

        var pending = new Pending<T>(sql, parameters, read);
        _pending.Add(pending);
        return async cancellationToken =>
        {
            if (pending.Travelled)
            {
                return pending.Value!;
            }

            _pending.Remove(pending);
            return await alone(cancellationToken);
        };
    }

    /// <summary>A pipeline's own result sets by <paramref name="read"/>, then those of the reads that travelled with it.</summary>
    public static async Task<T> ReadAsync<T>(Func<SqlMapper.GridReader, Task<T>> read, IReadOnlyList<Pending> along, SqlMapper.GridReader results)
    {
        var value = await read(results);
        foreach (var queued in along)
        {
            await queued.ReadAsync(results);
        }

        return value;
    }

    public void Clear() => _pending.Clear();

    /// <summary>The queued reads appended to <paramref name="sql"/> and their parameters joined to
    /// <paramref name="parameters"/>'; the reads taken, in order. Nothing when none is queued or the parameters cannot be
    /// joined.</summary>
    public IReadOnlyList<Pending> TakeWith(ref string sql, ref object? parameters)
    {
        if (_pending.Count == 0)
        {
            return [];
        }

        var joined = new DynamicParameters();
        if (!DeferredWrites.TryJoin(joined, sql, parameters, "", out _))
        {
            return [];
        }

        var text = new System.Text.StringBuilder(sql);
        for (var i = 0; i < _pending.Count; i++)
        {
            if (!DeferredWrites.TryJoin(joined, _pending[i].Sql, _pending[i].Parameters, $"r{i + 1}_", out var renamed))
            {
                throw new InvalidOperationException("A read sent along must have one object of named values.");
            }

            text.Append(";\n").Append(renamed);
        }

        var taken = _pending.ToList();
        _pending.Clear();
        sql = text.ToString();
        parameters = joined;
        return taken;
    }

    internal abstract class Pending(string sql, object parameters)
    {
        public string Sql { get; } = sql;

        public object Parameters { get; } = parameters;

        public abstract Task ReadAsync(SqlMapper.GridReader results);
    }

    internal sealed class Pending<T>(string sql, object parameters, Func<SqlMapper.GridReader, Task<T>> read) : Pending(sql, parameters)
    {
        public bool Travelled { get; private set; }

        public T? Value { get; private set; }

        public override async Task ReadAsync(SqlMapper.GridReader results)
        {
            Value = await read(results);
            Travelled = true;
        }
    }
}
