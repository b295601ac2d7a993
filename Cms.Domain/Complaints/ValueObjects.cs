using System.Text.RegularExpressions;
using Cms.Domain.Common;

namespace Cms.Domain.Complaints;

/// <summary>Money in minor units (pence, cents) with an ISO 4217 currency code.</summary>
public sealed partial record Money(long AmountMinor, string Currency)
{
    public static Result<Money> Create(long amountMinor, string currency)
    {
        if (amountMinor < 0 || amountMinor > Limits.MaxRedressMinor)
        {
            return Error.Validation("redress.monetary.amountMinor", $"The amount must be between 0 and {Limits.MaxRedressMinor} minor units.");
        }

        if (currency is null || !CurrencyCode().IsMatch(currency))
        {
            return Error.Validation("redress.monetary.currency", "The currency must be a three-letter ISO 4217 code in upper case, e.g. GBP.");
        }

        return new Money(amountMinor, currency);
    }

    [GeneratedRegex(@"^[A-Z]{3}\z")]
    private static partial Regex CurrencyCode();
}

/// <summary>What the firm gave the consumer: money, something else, both or nothing.</summary>
public sealed record Redress(Money? Monetary, string? NonMonetary)
{
    public static readonly Redress None = new(null, null);
}

/// <summary>What a resolution records.</summary>
public sealed record Resolution(Outcome Outcome, Redress Redress, string? RootCause, int? RootCauseVersion = null);

/// <summary>A referral to an ombudsman or ADR body.</summary>
public sealed record Referral(string Body, string? ExternalReference, DateTimeOffset ReferredAt, ReferralOutcome? Outcome, DateTimeOffset? OutcomeAt);

/// <summary>A human-readable reference unique per tenant: CMP-2026-000042.</summary>
public static class ComplaintReference
{
    public static string Format(int year, long sequence) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"CMP-{year:D4}-{sequence:D6}");
}
