using Cms.Domain.Common;
using Cms.Domain.Complaints;
using Cms.Domain.Consumers;
using Cms.Infrastructure.Crypto;
using Cms.Infrastructure.Persistence;

namespace Cms.Infrastructure.Complaints;

/// <summary>Table and column names of the free text about a consumer, as bound into the associated data.</summary>
internal static class FreeTextColumns
{
    public const string Complaints = "complaints";
    public const string Description = "description";
    public const string RedressNonMonetary = "redress_non_monetary";
    public const string ReferralBody = "referral_body";
    public const string ReferralReference = "referral_reference";
    public const string VulnerabilityDetails = "vulnerability_details";

    public const string Notes = "complaint_notes";
    public const string NoteBody = "body";
}

/// <summary>
/// The free text of a complaint in plaintext, opened from its row: sealed rows with the consumer's key, rows not yet
/// converted as stored. <see cref="Erased"/> when the key is destroyed: the text reads as empty (present, unreadable) and
/// the vulnerability as involvement only, which is what the row keeps in plain (docs/adr/0013-free-text-sealing.md).
/// </summary>
internal sealed record ComplaintText(
    string Description,
    string? RedressNonMonetary,
    string? ReferralBody,
    string? ReferralReference,
    ComplaintVulnerability Vulnerability,
    bool Erased)
{
    public static ComplaintText Open(ComplaintRow row, ConsumerTextCipher cipher)
    {
        if (!row.TextSealed && !cipher.KeyDestroyed)
        {
            return new ComplaintText(row.Description, row.RedressNonMonetary, row.ReferralBody, row.ReferralReference,
                row.PlainVulnerability(), false);
        }

        // A row not yet converted whose consumer is erased reads like a sealed one: its plaintext is no longer served.
        string? Open(string column, string? stored) =>
            row.TextSealed ? cipher.Open(FreeTextColumns.Complaints, row.Id, column, stored) : stored is null ? null : ConsumerTextCipher.Unreadable;

        return new ComplaintText(
            Open(FreeTextColumns.Description, row.Description) ?? ConsumerTextCipher.Unreadable,
            Open(FreeTextColumns.RedressNonMonetary, row.RedressNonMonetary),
            Open(FreeTextColumns.ReferralBody, row.ReferralBody),
            Open(FreeTextColumns.ReferralReference, row.ReferralReference),
            row.TextSealed ? VulnerabilityDetails.Parse(row.VulnerabilityInvolved, Open(FreeTextColumns.VulnerabilityDetails, row.VulnerabilityDetails))
                : new ComplaintVulnerability(row.VulnerabilityInvolved, new HashSet<VulnerabilityDriver>(), null),
            cipher.KeyDestroyed);
    }

    /// <summary>A value as callers read it: absent once erased.</summary>
    public string? Shown(string? value) => Erased ? null : value;
}

/// <summary>The stored (sealed) form of a complaint's free text: the parameters of its INSERT and UPDATE.</summary>
internal sealed record SealedComplaintText(
    string Description,
    string? RedressNonMonetary,
    string? ReferralBody,
    string? ReferralReference,
    string? VulnerabilityDetails)
{
    /// <summary>
    /// Seals the complaint's text under its consumer's key. With the key destroyed, a value the row already holds sealed
    /// is kept as it is (unreadable either way; whether a value is present still counts in the return) and a new one
    /// is stored as a tombstone, never as plaintext.
    /// </summary>
    /// <param name="stored">What the row holds sealed now (null for a new complaint or a row not yet converted).</param>
    public static SealedComplaintText Seal(Complaint c, ConsumerTextCipher cipher, SealedComplaintText? stored)
    {
        string? Seal(string column, string? value, string? storedValue) =>
            cipher.KeyDestroyed && value is not null && storedValue is not null
                ? storedValue
                : cipher.Seal(FreeTextColumns.Complaints, c.Id, column, value);

        return new SealedComplaintText(
            Seal(FreeTextColumns.Description, c.Description, stored?.Description)!,
            Seal(FreeTextColumns.RedressNonMonetary, c.Resolution?.Redress.NonMonetary, stored?.RedressNonMonetary),
            Seal(FreeTextColumns.ReferralBody, c.Referral?.Body, stored?.ReferralBody),
            Seal(FreeTextColumns.ReferralReference, c.Referral?.ExternalReference, stored?.ReferralReference),
            cipher.KeyDestroyed && stored is not null
                ? stored.VulnerabilityDetails
                : Seal(FreeTextColumns.VulnerabilityDetails, Complaints.VulnerabilityDetails.Format(c.Vulnerability), null));
    }

    /// <summary>What a row holds sealed, or null when it is not yet converted.</summary>
    public static SealedComplaintText? Of(ComplaintRow row) => row.TextSealed
        ? new SealedComplaintText(row.Description, row.RedressNonMonetary, row.ReferralBody, row.ReferralReference, row.VulnerabilityDetails)
        : null;
}

/// <summary>The sealed part of a complaint's vulnerability: the FG21/1 drivers and the consent time, as JSON.</summary>
internal static class VulnerabilityDetails
{
    private sealed record Stored(string[] Drivers, DateTimeOffset? ConsentGivenAt);

    /// <summary>Null when there is nothing beyond involvement to keep.</summary>
    public static string? Format(ComplaintVulnerability v) =>
        v.Drivers.Count == 0 && v.ConsentGivenAt is null
            ? null
            : StoredJson.Serialize(new Stored([.. v.Drivers.Order().Select(d => d.ToWire())], v.ConsentGivenAt));

    /// <summary>Unreadable or absent details leave involvement only.</summary>
    public static ComplaintVulnerability Parse(bool involved, string? details)
    {
        if (string.IsNullOrEmpty(details))
        {
            return new ComplaintVulnerability(involved, new HashSet<VulnerabilityDriver>(), null);
        }

        var stored = StoredJson.Deserialize<Stored>(details);
        return new ComplaintVulnerability(involved, stored.Drivers.Select(WireNames.Parse<VulnerabilityDriver>).ToHashSet(), stored.ConsentGivenAt);
    }
}
