using System.Collections;
using System.Collections.Concurrent;
using System.Reflection;
using Cms.Domain.Common;

namespace Cms.Application.Common;

/// <summary>
/// The rule every input obeys whatever the field, checked in one place for a whole request (the API's input filter walks
/// every bound argument: body, query and route values; the import walks each line): no NUL character (PostgreSQL text
/// cannot hold one, SQLite would keep it) and no date outside <see cref="Limits.EarliestDate"/>–<see cref="Limits.LatestDate"/>,
/// the years the product computes deadlines, calendars and reports for. Fields are named as the caller wrote them
/// (camelCase, with the path into the body); values are never quoted.
/// </summary>
public static class InputGuard
{
    private const int MaxDepth = 64;

    private static readonly ConcurrentDictionary<Type, PropertyInfo[]> Properties = new();

    public static string DateRangeMessage(string field) =>
        $"'{field}' must be a date from {Limits.EarliestDate:yyyy-MM-dd} to {Limits.LatestDate:yyyy-MM-dd}.";

    public static string NulMessage(string field) => $"'{field}' must not contain NUL characters.";

    /// <summary>True when <paramref name="text"/> holds a NUL character.</summary>
    public static bool HasNul(string? text) => text is not null && text.Contains('\0', StringComparison.Ordinal);

    /// <summary>Checks <paramref name="value"/> and, for the service's own types and collections, everything inside it.</summary>
    public static void Check(string field, object? value, ValidationErrors errors) => Walk(field, value, errors, 0);

    private static void Walk(string field, object? value, ValidationErrors errors, int depth)
    {
        switch (value)
        {
            case null:
                return;
            case string text:
                if (HasNul(text))
                {
                    errors.Add(Name(field), NulMessage(Name(field)));
                }

                return;
            case DateTimeOffset moment:
                CheckDate(field, DateOnly.FromDateTime(moment.UtcDateTime), errors);
                return;
            case DateTime moment:
                CheckDate(field, DateOnly.FromDateTime(moment), errors);
                return;
            case DateOnly date:
                CheckDate(field, date, errors);
                return;
        }

        if (depth >= MaxDepth)
        {
            return;
        }

        if (value is IDictionary dictionary)
        {
            foreach (DictionaryEntry entry in dictionary)
            {
                Walk(field, entry.Key, errors, depth + 1);
                Walk(Join(field, entry.Key.ToString() ?? ""), entry.Value, errors, depth + 1);
            }

            return;
        }

        if (value is IEnumerable items)
        {
            var index = 0;
            foreach (var item in items)
            {
                Walk($"{field}[{index++}]", item, errors, depth + 1);
            }

            return;
        }

        var type = value.GetType();
        if (type.IsPrimitive || type.IsEnum || type.Namespace?.StartsWith("Cms.", StringComparison.Ordinal) != true)
        {
            return;
        }

        foreach (var property in Properties.GetOrAdd(type, static t =>
                     [.. t.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanRead && p.GetIndexParameters().Length == 0)]))
        {
            Walk(Join(field, property.Name), property.GetValue(value), errors, depth + 1);
        }
    }

    /// <summary>Whether the product computes with <paramref name="date"/> (for a date that arrives as text and is parsed
    /// by its use case, e.g. a report's period).</summary>
    public static bool IsComputable(DateOnly date) => date >= Limits.EarliestDate && date <= Limits.LatestDate;

    private static void CheckDate(string field, DateOnly date, ValidationErrors errors)
    {
        if (!IsComputable(date))
        {
            errors.Add(Name(field), DateRangeMessage(Name(field)));
        }
    }

    private static string Join(string prefix, string name) => prefix.Length == 0 ? name : $"{prefix}.{name}";

    /// <summary>The wire name: camelCase segments (C# properties are PascalCase, the JSON and query names camelCase).</summary>
    private static string Name(string field) =>
        string.Join('.', field.Split('.').Select(s => s.Length > 0 && char.IsUpper(s[0]) ? char.ToLowerInvariant(s[0]) + s[1..] : s));
}
