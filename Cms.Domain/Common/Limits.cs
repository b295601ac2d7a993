namespace Cms.Domain.Common;

/// <summary>Field length limits, shared by the domain checks, the validators and the schema.</summary>
public static class Limits
{
    public const int Name = 200;
    public const int Email = 254;
    public const int Phone = 32;
    public const int Subject = 200;
    public const int ExternalRef = 100;
    public const int AddressLine = 200;
    public const int Postcode = 16;
    public const int CountryCode = 2;
    public const int Product = 100;
    public const int Category = 100;
    public const int RootCause = 100;
    public const int Description = 10_000;
    public const int NoteBody = 10_000;
    public const int NonMonetaryRedress = 2_000;
    public const int ReferralBody = 200;
    public const int ReferralReference = 100;
    public const int Reference = 20;
    public const int MaxPageSize = 200;
    public const int DefaultPageSize = 50;
    public const long MaxRedressMinor = 100_000_000_000; // one billion in major units

    /// <summary>The first and last dates any input may carry: the years the product computes deadlines, business-day
    /// calendars and report periods for (later dates would overflow deadline arithmetic near the end of the calendar).</summary>
    public static readonly DateOnly EarliestDate = new(1900, 1, 1);

    public static readonly DateOnly LatestDate = new(2199, 12, 31);
}
