using System.Collections.Frozen;
using System.Text;

namespace Cms.Domain.Common;

/// <summary>
/// Enum values travel and are stored as lower_snake_case strings (<c>AwaitingConsumer</c> ⇄ <c>awaiting_consumer</c>);
/// parsing ignores case.
/// One conversion, used by the API's JSON options, the repositories and the audit trail.
/// </summary>
public static class WireNames
{
    public static string ToWire<TEnum>(this TEnum value) where TEnum : struct, Enum => Cache<TEnum>.ToWire[value];

    public static bool TryParse<TEnum>(string? text, out TEnum value) where TEnum : struct, Enum
    {
        if (text is not null && Cache<TEnum>.FromWire.TryGetValue(text, out value))
        {
            return true;
        }

        value = default;
        return false;
    }

    public static TEnum Parse<TEnum>(string text) where TEnum : struct, Enum =>
        TryParse<TEnum>(text, out var value)
            ? value
            : throw new FormatException($"'{text}' is not a known {typeof(TEnum).Name} value.");

    public static IReadOnlyCollection<string> All<TEnum>() where TEnum : struct, Enum => Cache<TEnum>.FromWire.Keys;

    /// <summary>PascalCase to lower_snake_case; an all-capitals name (an acronym such as UK) stays as it is.</summary>
    public static string SnakeCase(string pascal)
    {
        if (pascal.All(char.IsUpper))
        {
            return pascal;
        }

        var sb = new StringBuilder(pascal.Length + 4);
        for (var i = 0; i < pascal.Length; i++)
        {
            var c = pascal[i];
            if (char.IsUpper(c))
            {
                if (i > 0)
                {
                    sb.Append('_');
                }

                sb.Append(char.ToLowerInvariant(c));
            }
            else
            {
                sb.Append(c);
            }
        }

        return sb.ToString();
    }

    private static class Cache<TEnum> where TEnum : struct, Enum
    {
        public static readonly FrozenDictionary<TEnum, string> ToWire =
            Enum.GetValues<TEnum>().ToFrozenDictionary(v => v, v => SnakeCase(v.ToString()));

        public static readonly FrozenDictionary<string, TEnum> FromWire =
            Enum.GetValues<TEnum>().ToFrozenDictionary(v => SnakeCase(v.ToString()), v => v, StringComparer.OrdinalIgnoreCase);
    }
}
