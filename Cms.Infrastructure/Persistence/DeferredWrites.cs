using System.Collections;
using System.Collections.Concurrent;
using System.Linq.Expressions;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using Dapper;

namespace Cms.Infrastructure.Persistence;

/// <summary>
/// Writes of one transaction whose outcome nobody reads (inserts that succeed or fail the whole transaction): held until
/// the transaction's next statement or its COMMIT and sent in the same round trip, in the order they were made
/// (PostgreSQL; docs/adr/0011). Each write's parameters are renamed (<c>@Id</c> of the third write becomes <c>@w3_Id</c>)
/// so that several writes and the statement they travel with share one parameter set.
/// </summary>
internal sealed partial class DeferredWrites
{
    private readonly List<(string Sql, object? Parameters, Guid? Scope)> _writes = [];

    public int Count => _writes.Count;

    /// <summary>Holds a write made under the tenant <paramref name="scope"/> (null: none); it is sent under that scope.</summary>
    public void Add(string sql, object? parameters, Guid? scope)
    {
        // A list is one write per element (as Dapper executes it).
        if (parameters is IEnumerable list and not string and not IDictionary and not IEnumerable<KeyValuePair<string, object?>>)
        {
            foreach (var element in list)
            {
                _writes.Add((sql, element, scope));
            }

            return;
        }

        _writes.Add((sql, parameters, scope));
    }

    public void Clear() => _writes.Clear();

    /// <summary>Whether <paramref name="parameters"/> can travel in one parameter set with the held writes (one object of
    /// named values; a list runs the statement once per element and cannot).</summary>
    public static bool CanJoin(object? parameters) => parameters switch
    {
        null => true,
        DynamicParameters dynamic => !HasTemplates(dynamic),
        IEnumerable<KeyValuePair<string, object?>> => true,
        IEnumerable => false,
        _ => true,
    };

    /// <summary>The held writes, then <paramref name="sql"/> (with <paramref name="parameters"/> as they are named; none
    /// when empty), as one command text and one parameter set; the held writes are taken. <paramref name="prepare"/> gives
    /// each part's text as sent under its scope (each write's own, <paramref name="scope"/> for the statement), in order:
    /// a write held before the session entered a tenant runs before that tenant's setting, in the same round trip.</summary>
    public (string Sql, DynamicParameters Parameters) TakeWith(string sql, object? parameters, Guid? scope, Func<string, Guid?, string> prepare)
    {
        var text = new StringBuilder();
        var joined = new DynamicParameters();
        for (var i = 0; i < _writes.Count; i++)
        {
            var (writeSql, writeParameters, writeScope) = _writes[i];
            var values = NamedValues(writeParameters)
                ?? throw new InvalidOperationException("A deferred write's parameters must be one object of named values.");
            var statement = Statement.Of(writeSql);
            AddNamed(joined, statement, values, Statement.Prefix(i));
            text.Append(prepare(statement.Renamed(i), writeScope)).Append(";\n");
        }

        AddNamed(joined, Statement.Of(sql), NamedValues(parameters) ?? [], "");
        _writes.Clear();
        return (sql.Length == 0 ? text.ToString(0, text.Length - 2) : text.Append(prepare(sql, scope)).ToString(), joined);
    }

    /// <summary>Adds to <paramref name="joined"/> the values <paramref name="sql"/> names, renamed with
    /// <paramref name="prefix"/> (<c>@Id</c> becomes <c>@r1_Id</c>), and gives the statement renamed likewise; false when
    /// the parameters cannot be listed (<see cref="CanJoin"/>).</summary>
    public static bool TryJoin(DynamicParameters joined, string sql, object? parameters, string prefix, out string renamed)
    {
        renamed = sql;
        if (!CanJoin(parameters) || NamedValues(parameters) is not { } values)
        {
            return false;
        }

        var statement = Statement.Of(sql);
        AddNamed(joined, statement, values, prefix);
        renamed = prefix.Length == 0 ? sql : statement.RenamedWith(prefix);
        return true;
    }

    /// <summary>Only the values <paramref name="statement"/> names, as Dapper sends an object's (a row object may carry
    /// more properties), each renamed with <paramref name="prefix"/>.</summary>
    private static void AddNamed(DynamicParameters joined, Statement statement, IEnumerable<(string Name, object? Value)> values, string prefix)
    {
        foreach (var (name, value) in values.Where(v => statement.Names.Contains(v.Name)))
        {
            joined.Add(prefix + name, value);
        }
    }

    /// <summary>The named values of a parameter object: its public properties (as Dapper binds them), a dictionary's
    /// entries, or a <see cref="DynamicParameters"/>' values; null for anything else (a list, or a DynamicParameters made
    /// from a template object, whose values it does not list).</summary>
    private static IEnumerable<(string Name, object? Value)>? NamedValues(object? parameters) => parameters switch
    {
        null => [],
        DynamicParameters dynamic when HasTemplates(dynamic) => null,
        DynamicParameters dynamic => dynamic.ParameterNames.Select(n => (n, ((SqlMapper.IParameterLookup)dynamic)[n])).ToList(),
        IEnumerable<KeyValuePair<string, object?>> dictionary => dictionary.Select(kv => (kv.Key, kv.Value)).ToList(),
        IEnumerable => null,
        _ => Properties.GetOrAdd(parameters.GetType(), ReadableProperties).Select(p => (p.Name, p.Read(parameters))).ToList(),
    };

    /// <summary>A parameter type's readable properties, each read through a compiled delegate: found once per type, not
    /// by reflection on every write (a filing holds five).</summary>
    private static readonly ConcurrentDictionary<Type, (string Name, Func<object, object?> Read)[]> Properties = new();

    private static (string Name, Func<object, object?> Read)[] ReadableProperties(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanRead && p.GetIndexParameters().Length == 0)
            .Select(p =>
            {
                var instance = Expression.Parameter(typeof(object));
                var read = Expression.Convert(Expression.Property(Expression.Convert(instance, type), p), typeof(object));
                return (p.Name, Expression.Lambda<Func<object, object?>>(read, instance).Compile());
            })
            .ToArray();

    /// <summary>
    /// A statement's text parsed once: the parameters it names, and its text with them renamed for the i-th held write.
    /// Statements are the repositories' own texts, so the cache holds a few dozen; past <see cref="MaxCached"/> texts (a
    /// statement built with a varying shape) they are parsed on every use instead.
    /// </summary>
    private sealed class Statement(string sql)
    {
        private const int MaxCached = 2_000;
        private static readonly ConcurrentDictionary<string, Statement> Cache = new(StringComparer.Ordinal);
        private readonly ConcurrentDictionary<int, string> _renamed = new();
        private readonly ConcurrentDictionary<string, string> _renamedWith = new(StringComparer.Ordinal);

        public HashSet<string> Names { get; } =
            ParameterName().Matches(sql).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.OrdinalIgnoreCase);

        public static Statement Of(string sql) =>
            Cache.TryGetValue(sql, out var known) ? known
            : Cache.Count < MaxCached ? Cache.GetOrAdd(sql, text => new Statement(text))
            : new Statement(sql);

        public static string Prefix(int write) => $"w{write + 1}_";

        public string Renamed(int write) => _renamed.GetOrAdd(write, i => Rename(Prefix(i)));

        /// <summary>Renamed once per prefix: the lead read (the caller's row, <c>c_</c>) is renamed on every query.</summary>
        public string RenamedWith(string prefix) => _renamedWith.GetOrAdd(prefix, Rename);

        private string Rename(string prefix) => ParameterName().Replace(sql,
            m => Names.Contains(m.Groups[1].Value) ? "@" + prefix + m.Groups[1].Value : m.Value);
    }

    // Dapper keeps the objects given to new DynamicParameters(template) apart from the values added by name.
    private static readonly FieldInfo? Templates = typeof(DynamicParameters).GetField("templates", BindingFlags.NonPublic | BindingFlags.Instance);

    private static bool HasTemplates(DynamicParameters dynamic) => Templates is null || Templates.GetValue(dynamic) is ICollection { Count: > 0 };

    [GeneratedRegex(@"(?<![@\w])@([A-Za-z_][A-Za-z0-9_]*)")]
    private static partial Regex ParameterName();
}
