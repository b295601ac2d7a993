using Cms.Domain.Common;

namespace Cms.Domain.Regulation;

/// <summary>
/// A day the tenant is closed for business (a regional holiday, a closure by executive order). Withdrawn days are kept
/// (inactive) rather than deleted: the audit trail names the row, and the service role deletes nothing.
/// </summary>
public sealed record ClosureDay(Guid Id, Guid TenantId, DateOnly Date, string Name, bool Active, DateTimeOffset UpdatedAt)
{
    public const int NameMaxLength = 100;

    /// <summary>Closure days are accepted from 2000 to 2100: outside that they cannot affect any complaint's deadlines.</summary>
    public static readonly DateOnly Earliest = new(2000, 1, 1);

    public static readonly DateOnly Latest = new(2100, 12, 31);

    public static Error? Check(DateOnly date, string? name)
    {
        if (date < Earliest || date > Latest)
        {
            return Error.Validation("date", $"The date must be between {Earliest:yyyy-MM-dd} and {Latest:yyyy-MM-dd}.");
        }

        if (string.IsNullOrWhiteSpace(name) || name.Trim().Length > NameMaxLength)
        {
            return Error.Validation("name", $"'name' is required and at most {NameMaxLength} characters.");
        }

        return null;
    }
}

/// <summary>
/// A tenant's clock settings: its internal SLA (null: none) and how many days before a regulatory deadline a complaint
/// counts as at risk.
/// </summary>
public sealed record ClockSettings(InternalSla? InternalSla, int AtRiskDays)
{
    public const int DefaultAtRiskDays = 2;
    public const int MaxAtRiskDays = 60;

    public static ClockSettings Default { get; } = new(null, DefaultAtRiskDays);

    public static Error? Check(InternalSla? sla, int atRiskDays)
    {
        if (sla is not null && (sla.Amount < 1 || sla.Amount > InternalSla.MaxDays || !Enum.IsDefined(sla.Unit)))
        {
            return Error.Validation("internalSla", $"'internalSla.amount' must be between 1 and {InternalSla.MaxDays} days with a known unit.");
        }

        return atRiskDays is < 0 or > MaxAtRiskDays
            ? Error.Validation("atRiskDays", $"'atRiskDays' must be between 0 and {MaxAtRiskDays}.")
            : null;
    }
}
