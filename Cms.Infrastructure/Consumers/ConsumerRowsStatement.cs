using System.Globalization;
using System.Text;
using Npgsql;
using NpgsqlTypes;

namespace Cms.Infrastructure.Consumers;

/// <summary>
/// The bulk import's path on Citus (ADR 0009, 0020): the multi-row INSERTs of one size (consumers, then the keys of those
/// it added), their parameters created once and bound again for every statement of that size: a batch of 10,000 lines is
/// ten statements of 1,000 rows, and creating 17,000 parameters (and the statement's text) for each was a large share of
/// the importer's garbage.
/// </summary>
internal sealed class ConsumerRowsStatement : IAsyncDisposable
{
    private readonly NpgsqlCommand _consumers;
    private readonly NpgsqlCommand _keys;
    private readonly object?[] _values = new object?[ConsumerRow.Map.WrittenColumns];
    private readonly HashSet<Guid> _added;
    private readonly int _rows;

    public ConsumerRowsStatement(NpgsqlConnection connection, Guid tenantId, DateTimeOffset createdAt, int rows, int timeoutSeconds)
    {
        _rows = rows;
        _added = new HashSet<Guid>(rows);
        _consumers = new NpgsqlCommand(ConsumersInsert(rows), connection) { CommandTimeout = timeoutSeconds };
        for (var i = 0; i < rows * ConsumerRow.Map.WrittenColumns; i++)
        {
            _consumers.Parameters.Add(new NpgsqlParameter());
        }

        _keys = new NpgsqlCommand(ConsumerKeysInsert(rows), connection) { CommandTimeout = timeoutSeconds };
        _keys.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = tenantId, NpgsqlDbType = NpgsqlDbType.Uuid });
        _keys.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = createdAt, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        for (var i = 0; i < rows; i++)
        {
            _keys.Parameters.Add(new NpgsqlParameter<Guid> { NpgsqlDbType = NpgsqlDbType.Uuid });
            _keys.Parameters.Add(new NpgsqlParameter<string> { NpgsqlDbType = NpgsqlDbType.Text });
        }
    }

    /// <summary>Inserts the statement's rows from <paramref name="first"/> on; the positions skipped (the external
    /// reference exists already) are added to <paramref name="skipped"/>.</summary>
    public async Task InsertAsync(ConsumerRow[] rows, string[] wrappedKeys, int first, List<int> skipped,
        CancellationToken cancellationToken)
    {
        var parameters = _consumers.Parameters;
        var columns = _values.Length;
        for (var row = 0; row < _rows; row++)
        {
            ConsumerRow.Map.CopyValues(rows[first + row], _values);
            for (var column = 0; column < columns; column++)
            {
                parameters[(row * columns) + column].Value = _values[column] ?? DBNull.Value;
            }
        }

        _added.Clear();
        await using (var reader = await _consumers.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                _added.Add(reader.GetGuid(0));
            }
        }

        var keys = _added.Count == _rows ? _keys : OneOffKeysInsert();
        var bound = 0;
        for (var i = first; i < first + _rows; i++)
        {
            if (!_added.Contains(rows[i].Id))
            {
                skipped.Add(i);
                continue;
            }

            ((NpgsqlParameter<Guid>)keys.Parameters[2 + (2 * bound)]).TypedValue = rows[i].Id;
            ((NpgsqlParameter<string>)keys.Parameters[3 + (2 * bound)]).TypedValue = wrappedKeys[i];
            bound++;
        }

        try
        {
            if (bound > 0)
            {
                await keys.ExecuteNonQueryAsync(cancellationToken);
            }
        }
        finally
        {
            if (keys != _keys)
            {
                await keys.DisposeAsync();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _consumers.DisposeAsync();
        await _keys.DisposeAsync();
    }

    // Some lines were duplicates: the keys of the others, in a statement of their number.
    private NpgsqlCommand OneOffKeysInsert()
    {
        var keys = new NpgsqlCommand(ConsumerKeysInsert(_added.Count), _keys.Connection) { CommandTimeout = _keys.CommandTimeout };
        keys.Parameters.Add(_keys.Parameters[0].Clone());
        keys.Parameters.Add(_keys.Parameters[1].Clone());
        for (var i = 0; i < _added.Count; i++)
        {
            keys.Parameters.Add(new NpgsqlParameter<Guid> { NpgsqlDbType = NpgsqlDbType.Uuid });
            keys.Parameters.Add(new NpgsqlParameter<string> { NpgsqlDbType = NpgsqlDbType.Text });
        }

        return keys;
    }

    /// <summary>
    /// One statement for <paramref name="count"/> consumers (file order: the first of each external reference wins, later
    /// ones are skipped by ON CONFLICT), returning the ids it added.
    /// </summary>
    private static string ConsumersInsert(int count) => count == ConsumerBulkWriter.RowsPerStatement
        ? FullConsumersInsert.Value
        : ConsumerRow.Map.InsertRows(count) + " ON CONFLICT (tenant_id, external_ref_bidx) DO NOTHING RETURNING id";

    // The statement of a full range, built once per process (it is about 100 KB of text).
    private static readonly Lazy<string> FullConsumersInsert =
        new(() => ConsumerRow.Map.InsertRows(ConsumerBulkWriter.RowsPerStatement) + " ON CONFLICT (tenant_id, external_ref_bidx) DO NOTHING RETURNING id");

    /// <summary>One statement for <paramref name="count"/> data keys of the tenant in $1, created at $2.</summary>
    private static string ConsumerKeysInsert(int count)
    {
        var sql = new StringBuilder("INSERT INTO consumer_keys (tenant_id, consumer_id, wrapped_key, created_at) VALUES ");
        for (var row = 0; row < count; row++)
        {
            var p = 3 + row * 2;
            sql.Append(row == 0 ? "" : ", ").Append(CultureInfo.InvariantCulture, $"($1, ${p}, ${p + 1}, $2)");
        }

        return sql.ToString();
    }
}
