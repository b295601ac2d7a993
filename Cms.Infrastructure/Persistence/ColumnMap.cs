using System.Collections.Concurrent;
using System.Globalization;
using System.Linq.Expressions;

namespace Cms.Infrastructure.Persistence;

/// <summary>
/// A table's columns, written once: the SELECT list, the INSERT statement and the UPDATE set list are derived from it.
/// A column's parameter is its name in PascalCase (<c>tenant_id</c> → <c>@TenantId</c>), which is also the property
/// Dapper fills when it reads the column into the table's row type.
/// </summary>
/// <param name="table">The table.</param>
/// <param name="keys">The key columns: in every WHERE, never updated.</param>
/// <param name="setOnce">Written by the INSERT, never by an UPDATE.</param>
/// <param name="mutable">Written by the INSERT and by every UPDATE.</param>
/// <param name="readOnly">Read with the row, written by someone else (another aggregate's repository, a trigger).</param>
/// <param name="wholeTable">The map holds every column of the table (a test holds it to that on both databases).</param>
internal sealed class ColumnMap(string table, string[] keys, string[] setOnce, string[] mutable, string[]? readOnly = null,
    bool wholeTable = true)
{
    private readonly string[] _written = [.. keys, .. setOnce, .. mutable];
    private string? _insert; // built on first use, not on every insert
    private string? _upsert;
    private readonly ConcurrentDictionary<Type, Delegate> _readers = new(); // per row type, compiled on first use

    /// <summary>Every column of the table is in the map: a column added by a migration must be added here too.</summary>
    public bool WholeTable => wholeTable;

    public string Table => table;

    /// <summary>Every column, for a SELECT.</summary>
    public string Columns { get; } = string.Join(", ", [.. keys, .. setOnce, .. mutable, .. readOnly ?? []]);

    /// <summary>A column's place in <see cref="Columns"/>: where a row read by hand finds it (looked up once, not per row).</summary>
    public int Ordinal(string column) => Array.IndexOf(Columns.Split(", "), column) is var at and >= 0
        ? at
        : throw new InvalidOperationException($"{table}.{column} is not in the table's column map");

    /// <summary>Every column qualified with a table alias (<c>c.id, …</c>), for a SELECT that joins.</summary>
    public string ColumnsOf(string alias) => string.Join(", ", Columns.Split(", ").Select(c => $"{alias}.{c}"));

    /// <summary>INSERT of every written column from the parameters of the same names.</summary>
    public string Insert => _insert ??=
        $"INSERT INTO {table} ({string.Join(", ", _written)}) VALUES ({string.Join(", ", _written.Select(Parameter))})";

    /// <summary>A multi-row INSERT of every written column with positional parameters ($1 …), <paramref name="rows"/> rows
    /// of them in the order <see cref="ValuesOf{TRow}"/> gives each row's values.</summary>
    public string InsertRows(int rows)
    {
        var sql = new System.Text.StringBuilder($"INSERT INTO {table} ({string.Join(", ", _written)}) VALUES ");
        for (var row = 0; row < rows; row++)
        {
            sql.Append(row == 0 ? "(" : ", (");
            for (var column = 0; column < _written.Length; column++)
            {
                sql.Append(column == 0 ? "$" : ", $").Append((row * _written.Length) + column + 1);
            }

            sql.Append(')');
        }

        return sql.ToString();
    }

    /// <summary>A row's values for the written columns, in their order: each column from the property of its parameter's
    /// name (as Dapper binds them), read by one delegate compiled per row type on first use (a bulk import reads 17 columns
    /// of every row: no reflection per value).</summary>
    public object?[] ValuesOf<TRow>(TRow row)
        where TRow : class
    {
        var values = new object?[WrittenColumns];
        CopyValues(row, values);
        return values;
    }

    /// <summary>How many columns an INSERT writes (the values <see cref="ValuesOf{TRow}"/> gives per row).</summary>
    public int WrittenColumns => _written.Length;

    /// <summary>The columns an INSERT writes, in the order of <see cref="InsertRows"/> and <see cref="ValuesOf{TRow}"/>.</summary>
    public IReadOnlyList<string> Written => _written;

    /// <summary><see cref="ValuesOf{TRow}"/> into an array the caller reuses row after row (at least
    /// <see cref="WrittenColumns"/> long): the bulk import binds 18 values a row without an array per row.</summary>
    public void CopyValues<TRow>(TRow row, object?[] values)
        where TRow : class =>
        ((Action<TRow, object?[]>)_readers.GetOrAdd(typeof(TRow), _ => CompileReader<TRow>()))(row, values);

    /// <summary><c>(row, values) => { values[0] = (object)row.TenantId; values[1] = (object)row.Id; … }</c>.</summary>
    private Action<TRow, object?[]> CompileReader<TRow>()
    {
        var row = Expression.Parameter(typeof(TRow), "row");
        var values = Expression.Parameter(typeof(object?[]), "values");
        var assignments = _written.Select((column, index) =>
        {
            var property = typeof(TRow).GetProperty(Parameter(column)[1..])
                ?? throw new InvalidOperationException($"{typeof(TRow).Name} has no property for {table}.{column}");
            return (Expression)Expression.Assign(Expression.ArrayAccess(values, Expression.Constant(index)),
                Expression.Convert(Expression.Property(row, property), typeof(object)));
        });
        return Expression.Lambda<Action<TRow, object?[]>>(Expression.Block(assignments), row, values).Compile();
    }

    /// <summary>The INSERT, or on a row of the same key the UPDATE of every mutable column (a row written whole each time).</summary>
    public string Upsert => _upsert ??=
        $"{Insert} ON CONFLICT ({string.Join(", ", keys)}) DO UPDATE SET {string.Join(", ", mutable.Select(c => $"{c} = excluded.{c}"))}";

    /// <summary>The UPDATE's set list: every mutable column from its parameter.</summary>
    public string UpdateSet { get; } = string.Join(", ", mutable.Select(c => $"{c} = {Parameter(c)}"));

    /// <summary>The key columns equal to their parameters, for a WHERE.</summary>
    public string KeyEquals { get; } = string.Join(" AND ", keys.Select(c => $"{c} = {Parameter(c)}"));

    /// <summary><c>@Name</c> of a column: its snake_case name in PascalCase.</summary>
    public static string Parameter(string column) =>
        "@" + string.Concat(column.Split('_').Select(part => part.Length == 0 ? part
            : char.ToUpper(part[0], CultureInfo.InvariantCulture) + part[1..]));
}
