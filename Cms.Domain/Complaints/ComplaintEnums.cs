namespace Cms.Domain.Complaints;

public enum ComplaintStatus
{
    Received,
    Acknowledged,
    Investigating,
    AwaitingConsumer,
    Resolved,
    Closed,
    Referred,

    /// <summary>A duplicate merged into another complaint (the survivor); terminal.</summary>
    Merged,
}

public enum Channel
{
    Web,
    Email,
    Phone,
    Branch,
    Letter,
    Social,
    Partner,
}

public enum Outcome
{
    Upheld,
    PartlyUpheld,
    NotUpheld,
    Withdrawn,
}

public enum Priority
{
    Low,
    Normal,
    High,
    Urgent,
}

public enum NoteKind
{
    Internal,
    ConsumerCommunication,
}

public enum ReferralOutcome
{
    UpheldForConsumer,
    PartlyUpheldForConsumer,
    NotUpheldForConsumer,
    Settled,
    Withdrawn,
}

/// <summary>
/// A response the firm sent the consumer. Resolving records a summary resolution (within the window) or a final response;
/// a holding response (DISP 1.6.2(2): why the firm cannot answer yet, with the consumer's ombudsman rights) and an ADR or
/// deadlock letter (Ofcom GC C4: the consumer may take the complaint to the ADR scheme) are recorded as they are sent.
/// </summary>
public enum ResponseType
{
    SummaryResolution,
    FinalResponse,
    HoldingResponse,
    AdrLetter,
}

/// <summary>
/// How long the firm took to respond to a complaint that is now closed, as a regulator's return counts it (FCA DISP 1
/// Annex 1): by the end of the 3rd business day after receipt, later but within 8 weeks, or after 8 weeks.
/// </summary>
public enum ClosureBand
{
    WithinThreeBusinessDays,
    WithinEightWeeks,
    AfterEightWeeks,
}
