namespace Cms.Domain.Retention;

/// <summary>
/// A tenant's retention schedule (issue 19 item 5, docs/adr/0019-retention-schedules.md): how many days after a complaint's
/// closure the consumer's personal data is erased, with a per-profile override, and the products whose complaints relate
/// to MiFID business (the longer FCA floor). Whatever the schedule says, nothing goes before the profile's regulatory
/// floor (<see cref="RetentionFloors"/>).
/// </summary>
public sealed record RetentionSchedule(int AfterClosureDays, IReadOnlyDictionary<string, int> PerProfile, IReadOnlyList<string> MifidProducts)
{
    /// <summary>A century: the longest period a schedule states.</summary>
    public const int MaxDays = 36_500;

    /// <summary>At most this many per-profile overrides and MiFID products.</summary>
    public const int MaxEntries = 100;

    /// <summary>Three years after closure: with the floor of three years from receipt (FCA DISP 1.9.1R), never sooner.</summary>
    public static readonly RetentionSchedule Default = new(3 * 365, new Dictionary<string, int>(), []);

    /// <summary>The days after closure for a complaint filed under <paramref name="profileCode"/>.</summary>
    public int DaysAfterClosure(string profileCode) => PerProfile.TryGetValue(profileCode, out var days) ? days : AfterClosureDays;

    /// <summary>The shortest period the schedule states anywhere (the coarse filter of the candidates' scan).</summary>
    public int ShortestDays => PerProfile.Values.Append(AfterClosureDays).Min();

    public bool IsMifid(string product) => MifidProducts.Contains(product, StringComparer.Ordinal);
}

/// <summary>The regulatory minimum for keeping a complaint's record, from its receipt: <paramref name="Rule"/> cites it.</summary>
public sealed record RetentionFloor(int Years, string Rule);

/// <summary>
/// The record-keeping minimum of each regulatory profile (the ADR cites the texts). Erasing the consumer keeps the
/// complaint's record (ids, dates, outcome, statistics) but not who complained, so the schedule never erases before it.
/// </summary>
public static class RetentionFloors
{
    public static readonly RetentionFloor Mifid = new(5, "FCA DISP 1.9.1R(1), MiFID Org Regulation art. 72: five years (MiFID business)");

    private static readonly RetentionFloor Fca = new(3, "FCA DISP 1.9.1R(2): three years from receipt");
    private static readonly RetentionFloor Cfpb = new(2, "12 CFR 1005.13(b) and 1026.25(a): two years");
    private static readonly RetentionFloor Dot = new(3, "14 CFR 382.157: three years (disability complaints)");
    private static readonly RetentionFloor Conservative = new(3, "no stated period found: three years, as the FCA's");

    private static readonly IReadOnlyDictionary<string, RetentionFloor> ByProfile = new Dictionary<string, RetentionFloor>(StringComparer.Ordinal)
    {
        ["uk_banking_fca_disp1"] = Fca,
        ["us_banking_cfpb"] = Cfpb,
        ["us_airline_dot"] = Dot,
    };

    /// <summary>The floor of a complaint under <paramref name="profileCode"/>; the MiFID floor where it relates to MiFID business.</summary>
    public static RetentionFloor For(string profileCode, bool mifid) =>
        mifid ? Mifid : ByProfile.GetValueOrDefault(profileCode, Conservative);
}
