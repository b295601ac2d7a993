using System.Data.Common;
using Dapper;

namespace Cms.Infrastructure.Persistence;

// The reads that can carry a lead read (docs/adr/0026): the pipelined read of several statements and the read of rows
// built by hand, the two a query's first statement goes through.
public abstract partial class DbSession
{
    private LeadRead? _lead;

    /// <summary>As the read above, its rows built by <paramref name="row"/> with typed getters (<see cref="RowValues"/>); a
    /// lead read waiting (<see cref="ReadFirst{T}"/>) travels in front of it.</summary>
    internal Task<List<T>> ReadRowsAsync<T>(string sql, object? param, Func<DbDataReader, T> row, bool endsRead, CancellationToken cancellationToken)
    {
        var lead = TakeLead(ref sql, ref param);
        return RunAsync(sql, param, async command => await RowValues.ReadAllAsync(await _connection!.ExecuteReaderAsync(command), row, lead),
            cancellationToken, endsRead);
    }

    /// <summary>As the read above, its result sets (several statements, one round trip) taken from the reader by
    /// <paramref name="read"/> with typed getters; what it leaves unread is read to the end (a ROLLBACK that ends the read).
    /// No read sent along travels with it (one that waits is read on its own when asked).</summary>
    internal Task<T> ReadResultsAsync<T>(string sql, object? param, Func<DbDataReader, Task<T>> read, bool endsRead, CancellationToken cancellationToken)
    {
        var lead = TakeLead(ref sql, ref param);
        return RunAsync(sql, param, async command =>
        {
            await using var reader = await _connection!.ExecuteReaderAsync(command);
            if (lead is not null)
            {
                await lead.ReadAsync(reader);
            }

            var value = await read(reader);
            while (await reader.NextResultAsync(CancellationToken.None))
            {
            }

            return value;
        }, cancellationToken, endsRead);
    }

    /// <summary>
    /// Several statements sent as one command, in one round trip on PostgreSQL (Npgsql pipelines them), read in order as
    /// result sets by <paramref name="read"/> (e.g. a complaint with its deadlines, responses and consumer key). Held
    /// writes travel in front of them, and a lead read waiting (<see cref="ReadFirst{T}"/>) in front of those.
    /// </summary>
    public Task<T> QueryMultipleAsync<T>(string sql, object? param, Func<SqlMapper.GridReader, Task<T>> read,
        CancellationToken cancellationToken, bool endsRead = false)
    {
        var along = _along.TakeWith(ref sql, ref param);
        var lead = TakeLead(ref sql, ref param);
        return RunAsync(sql, param, async command =>
        {
            await using var results = await _connection!.QueryMultipleAsync(command);
            if (lead is not null)
            {
                await lead.ReadAsync(results);
            }

            return await ReadsAlong.ReadAsync(read, along, results);
        }, cancellationToken, endsRead);
    }

    /// <summary>Whether a read can be queued to go in front of the transaction's first statement (PostgreSQL's primary).</summary>
    protected virtual bool CarriesLead => false;

    /// <summary>Whether <see cref="ReadFirst{T}"/> would queue a read now: this session carries them and no statement has
    /// been sent yet.</summary>
    internal bool CanLead => CarriesLead && _transaction is null && _lead is null && !IsInTransactionScope;

    /// <summary>
    /// Queues a read to go as the first statement of the transaction the next read begins, in its round trip (the caller's
    /// staff row ahead of a query's first read: docs/adr/0026). The function gives its rows: those that travelled, or
    /// else, read on its own when asked (the read that would carry it never came, or could not carry it).
    /// </summary>
    internal Func<CancellationToken, Task<List<T>>> ReadFirst<T>(string sql, object parameters, Func<DbDataReader, T> row)
    {
        if (!CanLead)
        {
            return cancellationToken => ReadRowsAsync(sql, parameters, row, endsRead: false, cancellationToken);
        }

        var lead = new LeadRead<T>(sql, parameters, row);
        _lead = lead;
        return async cancellationToken =>
        {
            if (!lead.Travelled)
            {
                if (ReferenceEquals(_lead, lead))
                {
                    _lead = null;
                }

                await lead.ReadAloneAsync(this, cancellationToken);
            }

            return lead.Rows;
        };
    }

    /// <summary>Any other statement goes after the lead read, which is then sent on its own first.</summary>
    private async Task SendLeadAloneAsync(CancellationToken cancellationToken)
    {
        if (_lead is { } lead)
        {
            _lead = null;
            await lead.ReadAloneAsync(this, cancellationToken);
        }
    }

    /// <summary>The lead read waiting, put in front of <paramref name="sql"/> with its values joined under <c>c_</c>; null
    /// when none waits or the values cannot be joined (it is then sent alone first).</summary>
    private LeadRead? TakeLead(ref string sql, ref object? param)
    {
        if (_lead is not { } lead || _deferred.Count > 0)
        {
            return null;
        }

        var joined = new DynamicParameters();
        if (!DeferredWrites.TryJoin(joined, lead.Sql, lead.Parameters, "c_", out var renamed) || !DeferredWrites.TryJoin(joined, sql, param, "", out _))
        {
            return null;
        }

        _lead = null;
        sql = $"{renamed};\n{sql}";
        param = joined;
        return lead;
    }
}

/// <summary>A read that goes first in the next round trip of a session (<see cref="DbSession.ReadFirst{T}"/>).</summary>
internal abstract class LeadRead(string sql, object parameters)
{
    public string Sql => sql;

    public object Parameters => parameters;

    public bool Travelled { get; protected set; }

    /// <summary>Its result set, the first of a pipeline read by Dapper.</summary>
    public abstract Task ReadAsync(SqlMapper.GridReader results);

    /// <summary>Its result set, the first of a reader; the reader is left at the next result set.</summary>
    public abstract Task ReadAsync(DbDataReader reader);

    public abstract Task ReadAloneAsync(DbSession db, CancellationToken cancellationToken);
}

internal sealed class LeadRead<T>(string sql, object parameters, Func<DbDataReader, T> row) : LeadRead(sql, parameters)
{
    public List<T> Rows { get; private set; } = [];

    public override async Task ReadAsync(SqlMapper.GridReader results)
    {
        Rows = (await results.ReadAsync<T>()).AsList();
        Travelled = true;
    }

    public override async Task ReadAsync(DbDataReader reader)
    {
        var rows = new List<T>();
        while (await reader.ReadAsync(CancellationToken.None))
        {
            rows.Add(row(reader));
        }

        await reader.NextResultAsync(CancellationToken.None);
        Rows = rows;
        Travelled = true;
    }

    public override async Task ReadAloneAsync(DbSession db, CancellationToken cancellationToken)
    {
        Rows = await db.ReadRowsAsync(Sql, Parameters, row, endsRead: false, cancellationToken);
        Travelled = true;
    }
}
