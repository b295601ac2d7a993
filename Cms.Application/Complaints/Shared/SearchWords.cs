using System.Globalization;
using System.Text;

namespace Cms.Application.Complaints;

/// <summary>
/// The words of a text as the blind keyword index keeps them (docs/adr/0013-free-text-sealed-under-the-consumers-key.md):
/// lower case, accents removed, split on anything that is not a letter or a digit, words of one character dropped, then
/// a light stemming so that "charged", "charges" and "charging" are one word. The same function makes the index and the
/// query, so a word matches whatever its form; it need not be linguistically right, only the same on both sides.
/// </summary>
public static class SearchWords
{
    /// <summary>At most this many distinct words of one text are indexed (a longer text keeps its first ones).</summary>
    public const int MaxPerText = 1_000;

    /// <summary>At most this many words in one search (each is one more index probe).</summary>
    public const int MaxPerQuery = 8;

    public const int MaxQueryLength = 200;

    public static IReadOnlyList<string> Of(string? text)
    {
        var words = new List<string>();
        if (string.IsNullOrWhiteSpace(text))
        {
            return words;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        var current = new StringBuilder();
        void Flush()
        {
            if (current.Length > 1 && words.Count < MaxPerText)
            {
                var word = Stem(current.ToString());
                if (seen.Add(word))
                {
                    words.Add(word);
                }
            }

            current.Clear();
        }

        foreach (var c in text)
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.NonSpacingMark)
            {
                continue; // a combining accent
            }

            if (char.IsLetterOrDigit(c))
            {
                current.Append(Fold(char.ToLowerInvariant(c)));
            }
            else
            {
                Flush();
            }
        }

        Flush();
        return words;
    }

    // Accented Latin letters and their base letter. The service runs with invariant globalization (no ICU), where
    // Unicode normalisation is not available, so the common European accents are folded by this table instead.
    private const string Accented = "àáâãäåāăąçćĉċčďđèéêëēĕėęěĝğġģĥħìíîïĩīĭįıĵķĺļľŀłñńņňòóôõöøōŏőŕŗřśŝşšţťŧùúûüũūŭůűųŵýÿŷźżž";
    private const string Folded = "aaaaaaaaacccccddeeeeeeeeegggghhiiiiiiiiijklllllnnnnooooooooorrrsssstttuuuuuuuuuuwyyyzzz";

    private static char Fold(char c)
    {
        var at = c < 'à' ? -1 : Accented.IndexOf(c, StringComparison.Ordinal);
        return at < 0 ? c : Folded[at];
    }

    /// <summary>Suffix stripping in the spirit of Porter's first step; stems keep at least three characters.</summary>
    private static string Stem(string word)
    {
        if (word.Length < 4 || !word.All(char.IsLetter))
        {
            return word;
        }

        string Strip(int n) => word[..^n];
        if (word.EndsWith("ies", StringComparison.Ordinal) && word.Length > 4)
        {
            return Strip(3) + "y";
        }

        if (word.EndsWith("sses", StringComparison.Ordinal))
        {
            return Strip(2);
        }

        foreach (var suffix in new[] { "ing", "edly", "ed", "ly", "es", "s", "e" })
        {
            if (word.EndsWith(suffix, StringComparison.Ordinal) && word.Length - suffix.Length >= 3
                && !(suffix == "s" && word.EndsWith("ss", StringComparison.Ordinal)))
            {
                return Strip(suffix.Length);
            }
        }

        return word;
    }
}
