namespace Cms.Domain.Common;

/// <summary>Normalisation of values used for exact-match lookups.</summary>
public static class Text
{
    public static string NormaliseEmail(string email) => email.Trim().ToLowerInvariant();

    /// <summary>Keeps a leading '+' and the digits: "+44 (0)20 7946-0000" → "+440207946 0000" without spaces.</summary>
    public static string NormalisePhone(string phone)
    {
        var trimmed = phone.Trim();
        var digits = new string(trimmed.Where(char.IsAsciiDigit).ToArray());
        return trimmed.StartsWith('+') ? "+" + digits : digits;
    }
}
