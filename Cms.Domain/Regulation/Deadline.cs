namespace Cms.Domain.Regulation;

/// <summary>The named regulatory deadlines. Stored and sent as lower_snake_case.</summary>
public enum DeadlineKind
{
    /// <summary>FCA DISP 1.5: summary resolution communication by the end of the 3rd business day after receipt.</summary>
    SummaryResolution,

    /// <summary>FCA DISP 1.6: final or holding response within 8 weeks of receipt.</summary>
    FinalResponse,

    /// <summary>PSD2 (DISP 1.6.2A): final response to a payment-services complaint within 15 business days.</summary>
    PaymentServicesFinalResponse,

    /// <summary>PSD2 exceptional case: holding reply, then final response within 35 business days.</summary>
    PaymentServicesExceptionalFinalResponse,

    /// <summary>CFPB: company response within 15 calendar days.</summary>
    CompanyResponse,

    /// <summary>CFPB: final response by day 60 when the first response was "in progress".</summary>
    CompanyFinalResponse,

    /// <summary>Regulation E: error investigation within 10 business days.</summary>
    ErrorInvestigation,

    /// <summary>Regulation E: with provisional credit, 45 days.</summary>
    ErrorInvestigationExtended,

    /// <summary>Ofcom GC C4: ADR letter (deadlock or timeout) at 8 weeks.</summary>
    AdrLetter,

    /// <summary>14 CFR 259.7: written acknowledgement within 30 days.</summary>
    WrittenAcknowledgement,

    /// <summary>14 CFR 259.7: substantive response within 60 days.</summary>
    SubstantiveResponse,

    /// <summary>14 CFR 382: dispositive response to a disability complaint within 30 days.</summary>
    DisabilityDispositiveResponse,

    /// <summary>EU261: the consumer may go to the national enforcement body after 6 weeks without reply.</summary>
    EnforcementBodyReply,

    /// <summary>47 CFR 1.717: a carrier's written response to an informal FCC complaint within 30 days.</summary>
    CarrierResponse,

    /// <summary>UK261 / CAA-approved ADR: the passenger may go to ADR (or CAA PACT) after 8 weeks without a final response.</summary>
    AdrEligibility,

    /// <summary>The tenant's own service level (not regulatory): pauses while the complaint awaits the consumer.</summary>
    InternalSla,
}

/// <summary>
/// The events of a complaint that its clocks react to: what meets a deadline (<see cref="DeadlineRule.MetBy"/>,
/// <see cref="DeadlineRule.AlsoMetBy"/>) and what makes a deadline bind (<see cref="DeadlineRule.BindsAfter"/>).
/// </summary>
public enum DeadlineMetBy
{
    Acknowledgement,

    /// <summary>A summary resolution (FCA DISP 1.5).</summary>
    SummaryResolution,

    /// <summary>The final response: resolving the complaint (a summary resolution is one too).</summary>
    FinalResponse,

    /// <summary>A recorded holding response: the FCA DISP 1.6.2(2) written explanation with referral rights, the PSD2
    /// holding reply, the CFPB "in progress" response.</summary>
    HoldingResponse,

    /// <summary>A recorded ADR (deadlock) letter (Ofcom GC C4).</summary>
    AdrLetter,

    /// <summary>Provisional credit given to the consumer's account (Regulation E, 12 CFR 1005.11(c)(2)(i)).</summary>
    ProvisionalCredit,
}

/// <summary>
/// One deadline of one complaint: when it is due, and when (if ever) it was met. Regulatory clocks never pause; only the
/// internal SLA does (<see cref="PausedAt"/> while the complaint awaits the consumer, <see cref="PausedFor"/> the time
/// already spent paused, by which <see cref="DueAt"/> has been pushed back).
/// </summary>
public sealed record Deadline(DeadlineKind Kind, DateTimeOffset DueAt, DateTimeOffset? MetAt, DateTimeOffset? PausedAt = null,
    TimeSpan PausedFor = default)
{
    /// <summary>Met late, or unmet and past due; a paused clock is judged at the instant it stopped.</summary>
    public bool IsBreached(DateTimeOffset now) => !Kind.IsOptional() && (MetAt is { } met ? met > DueAt : (PausedAt ?? now) > DueAt);
}

public static class DeadlineKindExtensions
{
    /// <summary>
    /// A summary resolution is an option, not an obligation: a complaint not resolved by then simply follows the full
    /// process, so a passed summary-resolution window is not a breach and does not make a complaint overdue.
    /// </summary>
    public static bool IsOptional(this DeadlineKind kind) => kind == DeadlineKind.SummaryResolution;

    /// <summary>Set by a regulator (never pauses), as opposed to the tenant's internal SLA (pauses while awaiting the consumer).</summary>
    public static bool IsRegulatory(this DeadlineKind kind) => kind != DeadlineKind.InternalSla;
}
