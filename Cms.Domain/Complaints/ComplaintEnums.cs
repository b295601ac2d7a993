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

/// <summary>How a complaint was resolved: a summary resolution (within the window) or a final response.</summary>
public enum ResponseType
{
    SummaryResolution,
    FinalResponse,
}
