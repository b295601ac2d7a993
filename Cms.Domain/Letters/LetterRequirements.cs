using P = Cms.Domain.Letters.LetterPlaceholders;

namespace Cms.Domain.Letters;

/// <summary>
/// One required element of a letter type: its stable code, what the regulator requires, and what in a template meets it
/// (<see cref="SatisfiedBy"/>: a placeholder, whose value must be non-empty when rendered, or <c>attachment:name</c>, an
/// attachment the template names).
/// </summary>
public sealed record RequiredElement(string Code, string Description, string SatisfiedBy)
{
    public const string AttachmentPrefix = "attachment:";

    public string? Attachment => SatisfiedBy.StartsWith(AttachmentPrefix, StringComparison.Ordinal) ? SatisfiedBy[AttachmentPrefix.Length..] : null;
}

/// <summary>
/// The letter rules of a regulatory profile: a named, versioned set (a letter records the name and version it was
/// checked against) of required elements per letter type, and the regulatory text blocks its placeholders render
/// (<see cref="LetterPlaceholders.Regulatory"/>), so the same template says the right thing under every profile.
/// </summary>
public sealed record LetterRuleSet(string Name, int Version, IReadOnlyDictionary<LetterType, IReadOnlyList<RequiredElement>> Elements,
    IReadOnlyDictionary<string, string> Blocks)
{
    public IReadOnlyList<RequiredElement> For(LetterType type) => Elements.TryGetValue(type, out var e) ? e : [];
}

/// <summary>The letter rules of every regulatory profile (by profile code); profiles without their own get the generic set.</summary>
public static class LetterRequirements
{
    private static readonly RequiredElement Outcome = new("outcome", "The outcome of the complaint.", P.ComplaintOutcome);
    private static readonly RequiredElement Reasons = new("reasons", "The reasons for the outcome.", P.LetterReasons);

    private static readonly LetterRuleSet Generic = new("generic.letters", 1,
        new Dictionary<LetterType, IReadOnlyList<RequiredElement>>
        {
            [LetterType.FinalResponse] = [Outcome, Reasons],
            [LetterType.CompanyResponse] = [Outcome, Reasons],
        },
        new Dictionary<string, string>());

    /// <summary>FCA DISP 1.6.2 and DISP 1 Annex 3 (final response); DISP 1.6.2(2) (holding response at eight weeks).</summary>
    public static readonly LetterRuleSet UkBanking = new("uk_banking_fca_disp1.letters", 1,
        new Dictionary<LetterType, IReadOnlyList<RequiredElement>>
        {
            [LetterType.FinalResponse] =
            [
                new("fca.final.outcome", "DISP 1.6.2(1): the firm's final response: the outcome of the complaint.", P.ComplaintOutcome),
                new("fca.final.reasons", "DISP 1.6.2(1): the reasons for the outcome.", P.LetterReasons),
                new("fca.final.referral_rights", "DISP 1 Annex 3: the right to refer the complaint to the Financial Ombudsman Service within six months.", P.ReferralRights),
                new("fca.final.time_limit_waiver", "DISP 1 Annex 3: whether the firm consents to the Ombudsman considering the complaint outside the time limits.", P.LetterTimeLimitWaiver),
                new("fca.final.ombudsman_contact", "DISP 1.6.2(1): the Financial Ombudsman Service's website address and contact details.", P.SchemeContact),
                new("fca.final.leaflet", "DISP 1.6.2(1): the Ombudsman's explanatory leaflet enclosed.", RequiredElement.AttachmentPrefix + "fos_leaflet"),
            ],
            [LetterType.HoldingResponse] =
            [
                new("fca.holding.reasons", "DISP 1.6.2(2)(a): why the firm cannot yet give a final response.", P.LetterReasons),
                new("fca.holding.expected_by", "DISP 1.6.2(2)(b): when the firm expects to give one.", P.LetterExpectedBy),
                new("fca.holding.refer_now", "DISP 1.6.2(2)(c): the right to refer the complaint to the Ombudsman now.", P.ReferNow),
            ],
            [LetterType.SummaryResolution] =
            [
                new("fca.summary.referral_rights", "DISP 1.5.4: the right to refer to the Ombudsman if dissatisfied.", P.ReferralRights),
                new("fca.summary.ombudsman_contact", "DISP 1.5.4: the Ombudsman's website address.", P.SchemeContact),
            ],
        },
        new Dictionary<string, string>
        {
            [P.SchemeName] = "the Financial Ombudsman Service",
            [P.SchemeContact] = "Financial Ombudsman Service, Exchange Tower, London E14 9SR; 0800 023 4567; www.financial-ombudsman.org.uk",
            [P.ReferralRights] = "If you are not satisfied with our response, you may refer your complaint to the Financial Ombudsman Service within six months of the date of this letter.",
            [P.ReferNow] = "You may now refer your complaint to the Financial Ombudsman Service.",
            [P.ResponseTimes] = "We will send you our final response within eight weeks of receiving your complaint.",
        });

    /// <summary>Ofcom General Conditions C4: the ADR scheme's name and the right to go to it after eight weeks or on deadlock.</summary>
    public static readonly LetterRuleSet UkTelecom = new("ofcom_c4.letters", 1,
        new Dictionary<LetterType, IReadOnlyList<RequiredElement>>
        {
            [LetterType.AdrLetter] =
            [
                new("ofcom.adr.scheme_name", "GC C4.5: the name of the ADR scheme the provider belongs to.", P.SchemeName),
                new("ofcom.adr.rights", "GC C4.5: the right to take the complaint to ADR after eight weeks, or now on deadlock, free of charge.", P.ReferralRights),
            ],
            [LetterType.FinalResponse] =
            [
                Outcome,
                new("ofcom.final.adr_rights", "GC C4.5: the right to take the complaint to ADR.", P.ReferralRights),
            ],
        },
        new Dictionary<string, string>
        {
            [P.SchemeName] = "Communications Ombudsman (Ombudsman Services)",
            [P.SchemeContact] = "Communications Ombudsman, PO Box 730, Warrington WA4 6WU; www.ombudsman-services.org/communications",
            [P.ReferralRights] = "You may take your complaint to the Communications Ombudsman, free of charge, eight weeks after you first complained to us, or now if we have reached deadlock.",
            [P.ReferNow] = "We have reached deadlock: you may take your complaint to the Communications Ombudsman now.",
            [P.ResponseTimes] = "If your complaint is not resolved within eight weeks you may take it to alternative dispute resolution.",
        });

    /// <summary>14 CFR 259.5(b)(11)-(12) and 259.7: acknowledgement within 30 days, substantive response within 60 days of receipt.</summary>
    public static readonly LetterRuleSet UsAirline = new("dot_14cfr259.letters", 1,
        new Dictionary<LetterType, IReadOnlyList<RequiredElement>>
        {
            [LetterType.Acknowledgement] =
            [
                new("dot.ack.reference", "14 CFR 259.5(b)(11): the complaint acknowledged (its reference).", P.ComplaintReference),
                new("dot.ack.response_times", "14 CFR 259.5(b)(11)-(12): acknowledgement within 30 days and a substantive response within 60 days of receipt.", P.ResponseTimes),
            ],
            [LetterType.SubstantiveResponse] =
            [
                new("dot.substantive.outcome", "14 CFR 259.5(b)(12): a substantive response: the outcome.", P.ComplaintOutcome),
                new("dot.substantive.reasons", "14 CFR 259.5(b)(12): the reasons.", P.LetterReasons),
                new("dot.substantive.dot_rights", "The passenger's right to complain to the Department of Transportation.", P.ReferralRights),
            ],
        },
        new Dictionary<string, string>
        {
            [P.SchemeName] = "the U.S. Department of Transportation, Office of Aviation Consumer Protection",
            [P.SchemeContact] = "Office of Aviation Consumer Protection, U.S. Department of Transportation, 1200 New Jersey Ave SE, Washington, DC 20590; www.transportation.gov/airconsumer",
            [P.ReferralRights] = "You may also file a complaint with the U.S. Department of Transportation's Office of Aviation Consumer Protection at www.transportation.gov/airconsumer.",
            [P.ReferNow] = "You may file a complaint with the U.S. Department of Transportation at any time.",
            [P.ResponseTimes] = "We acknowledge every complaint within 30 days of receiving it and send a substantive written response within 60 days of receipt.",
        });

    /// <summary>The letter rules of the profile with that code.</summary>
    public static LetterRuleSet For(string profileCode) => profileCode switch
    {
        "uk_banking_fca_disp1" => UkBanking,
        "uk_telecom_ofcom_c4" or "eu_telecom_c4" => UkTelecom,
        "us_airline_dot" => UsAirline,
        _ => Generic,
    };
}
