namespace Cms.Domain.Letters;

/// <summary>The letters a complaint may need (issue 20). Stored and sent as lower_snake_case.</summary>
public enum LetterType
{
    Acknowledgement,

    /// <summary>FCA DISP 1.5: the summary resolution communication.</summary>
    SummaryResolution,

    /// <summary>FCA DISP 1.6.2(2): why there is no final response yet, when one is expected, the right to refer now.</summary>
    HoldingResponse,

    /// <summary>FCA DISP 1.6.2(1) and 1 Annex 3: the final response.</summary>
    FinalResponse,

    /// <summary>Ofcom GC C4: the ADR (deadlock) letter.</summary>
    AdrLetter,

    /// <summary>14 CFR 259.5 / 259.7: the airline's substantive written response.</summary>
    SubstantiveResponse,

    /// <summary>The CFPB company response.</summary>
    CompanyResponse,
}

public enum LetterStatus
{
    Draft,
    Approved,
    Sent,
}

/// <summary>How the tenant's delivery service sent the letter.</summary>
public enum LetterChannel
{
    Post,
    Email,
    Portal,
}

public static class LetterTypeExtensions
{
    /// <summary>Letters that carry the firm's answer and resolve the complaint when sent (the outcome is part of them).</summary>
    public static bool IsFinal(this LetterType type) =>
        type is LetterType.FinalResponse or LetterType.SummaryResolution or LetterType.SubstantiveResponse or LetterType.CompanyResponse;

    /// <summary>Four-eyes approval is always required for a final response; other types when the template says so.</summary>
    public static bool AlwaysRequiresApproval(this LetterType type) => type == LetterType.FinalResponse;
}
