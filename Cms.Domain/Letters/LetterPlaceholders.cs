using System.Collections.Frozen;

namespace Cms.Domain.Letters;

/// <summary>
/// The closed set of names a letter template may reach (docs/adr/0016-letters-and-deadline-alerts.md). A template that
/// names anything else (another member, an index, a tag that assigns, loops, includes or captures) fails to publish.
/// The values are computed at render time: the consumer's from their decrypted record, the regulatory ones from the
/// tenant's regulatory profile, the letter's own from the draft request.
/// </summary>
public static class LetterPlaceholders
{
    public const string ConsumerFullName = "consumer.full_name";
    public const string ConsumerEmail = "consumer.email";
    public const string ConsumerExternalRef = "consumer.external_ref";
    public const string ComplaintReference = "complaint.reference";
    public const string ComplaintReceivedOn = "complaint.received_on";
    public const string ComplaintProduct = "complaint.product";
    public const string ComplaintCategory = "complaint.category";
    public const string ComplaintOutcome = "complaint.outcome";
    public const string ComplaintRedressAmount = "complaint.redress_amount";
    public const string ComplaintRedressNonMonetary = "complaint.redress_non_monetary";
    public const string DeadlineFinalResponseOn = "deadlines.final_response_on";
    public const string DeadlineNextOn = "deadlines.next_on";
    public const string LetterDate = "letter.date";
    public const string LetterReasons = "letter.reasons";
    public const string LetterExpectedBy = "letter.expected_by";
    public const string LetterTimeLimitWaiver = "letter.time_limit_waiver";

    /// <summary>The regulatory blocks: text the profile's rule set supplies (different per profile for the same template).</summary>
    public const string ReferralRights = "regulatory.referral_rights";
    public const string ReferNow = "regulatory.refer_now";
    public const string SchemeName = "regulatory.scheme_name";
    public const string SchemeContact = "regulatory.scheme_contact";
    public const string ResponseTimes = "regulatory.response_times";

    public static readonly FrozenSet<string> All = new[]
    {
        ConsumerFullName, ConsumerEmail, ConsumerExternalRef, ComplaintReference, ComplaintReceivedOn, ComplaintProduct,
        ComplaintCategory, ComplaintOutcome, ComplaintRedressAmount, ComplaintRedressNonMonetary, DeadlineFinalResponseOn,
        DeadlineNextOn, LetterDate, LetterReasons, LetterExpectedBy, LetterTimeLimitWaiver, ReferralRights, ReferNow,
        SchemeName, SchemeContact, ResponseTimes,
    }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>The regulatory blocks (supplied by the rule set, not by the complaint).</summary>
    public static readonly FrozenSet<string> Regulatory = new[] { ReferralRights, ReferNow, SchemeName, SchemeContact, ResponseTimes }
        .ToFrozenSet(StringComparer.Ordinal);
}
