using Cms.Domain.LegalEntities;
using Cms.Domain.Taxonomies;

namespace Cms.Domain.Reports;

/// <summary>A contextual figure a section of the return asks the firm for (e.g. accounts open at the period's end).</summary>
public sealed record ContextMetric(FcaPermission Section, string Code, string Label);

/// <summary>
/// The reference data of the FCA consolidated complaints return (PS25/19) that ships with the service: version 0 of the
/// FCA product and cause taxonomies (a tenant publishes its own versions of the kinds fca_product and fca_cause when the
/// FCA changes them, without a release), and the contextual figures each section asks for. The published template's
/// exact fields could not be found in the material at hand: docs/regulatory-returns.md lists every assumption.
/// An FCA product code starts with the wire name of the section (permission) it belongs to: <c>banking.current_account</c>.
/// </summary>
public static class FcaReturnReference
{
    /// <summary>The cause that carries the second vulnerability data point: complaints about a firm's failure to consider or
    /// respond to a customer's vulnerability.</summary>
    public const string VulnerabilityFailureCause = "vulnerability_not_considered";

    /// <summary>The version number of the built-in taxonomies (a tenant's published versions start at 1).</summary>
    public const int BuiltInVersion = 0;

    public static IReadOnlyList<TaxonomyEntry> Products { get; } =
    [
        new("banking.current_account", "Current account"),
        new("banking.packaged_account", "Packaged bank account"),
        new("banking.savings_account", "Savings account (including cash ISA)"),
        new("banking.overdraft", "Overdraft"),
        new("banking.business_account", "Business banking account"),
        new("consumer_credit.credit_card", "Credit card"),
        new("consumer_credit.personal_loan", "Personal loan"),
        new("consumer_credit.motor_finance", "Motor finance"),
        new("consumer_credit.buy_now_pay_later", "Buy now pay later"),
        new("consumer_credit.debt_collection", "Debt collection and debt management"),
        new("home_finance.mortgage", "Mortgage"),
        new("home_finance.equity_release", "Equity release"),
        new("insurance.motor", "Motor insurance"),
        new("insurance.home", "Home insurance"),
        new("insurance.travel", "Travel insurance"),
        new("insurance.protection", "Protection (life, critical illness, income)"),
        new("investments.investment_account", "Investment account or ISA"),
        new("investments.advice", "Investment advice"),
        new("pensions.personal_pension", "Personal pension"),
        new("pensions.annuity_drawdown", "Annuity or drawdown"),
        new("payment_services.payment_transaction", "Payment transaction"),
        new("payment_services.app_fraud", "Authorised push payment fraud"),
        new("e_money.e_money_account", "E-money account"),
        new("funeral_plans.funeral_plan", "Funeral plan"),
        new("claims_management.claims_service", "Claims management service"),
    ];

    public static IReadOnlyList<TaxonomyEntry> Causes { get; } =
    [
        new("advising_selling_arranging", "Advising, selling and arranging"),
        new("terms_and_charges", "Terms, disputed sums and charges"),
        new("service_and_administration", "General administration and customer service"),
        new("arrears_and_financial_difficulty", "Arrears and financial difficulty"),
        new("fraud_and_scams", "Fraud and scams"),
        new("delays", "Delays and timescales"),
        new("errors", "Errors and mistakes"),
        new("communication", "Communication and information"),
        new(VulnerabilityFailureCause, "Failure to consider or respond to a customer's vulnerability"),
        new("other", "Other"),
    ];

    /// <summary>PS25/19 keeps contextualised data for retail banking, insurance, payment services and claims management.</summary>
    public static IReadOnlyList<ContextMetric> Context { get; } =
    [
        new(FcaPermission.Banking, "accounts_open_at_period_end", "Accounts open at the end of the period"),
        new(FcaPermission.Insurance, "policies_in_force_at_period_end", "Policies in force at the end of the period"),
        new(FcaPermission.PaymentServices, "transactions_in_period", "Payment transactions in the period"),
        new(FcaPermission.ClaimsManagement, "claims_opened_in_period", "Claims opened in the period"),
    ];

    /// <summary>The section (permission) of an FCA product code: the part before the first '.'; null when it names none.</summary>
    public static FcaPermission? SectionOf(string productCode)
    {
        var dot = productCode.IndexOf('.', StringComparison.Ordinal);
        return dot > 0 && Common.WireNames.TryParse<FcaPermission>(productCode[..dot], out var section) ? section : null;
    }

    /// <summary>The built-in entries of an FCA kind; null for the tenant's own kinds.</summary>
    public static IReadOnlyList<TaxonomyEntry>? BuiltIn(TaxonomyKind kind) => kind switch
    {
        TaxonomyKind.FcaProduct => Products,
        TaxonomyKind.FcaCause => Causes,
        TaxonomyKind.DotCategory => DotReference.Categories,
        _ => null,
    };
}

/// <summary>
/// The first day of a six-month reporting period (1 January or 1 July; PS25/19 fixed the periods for all firms) and the
/// day after its last.
/// </summary>
public readonly record struct FcaReturnPeriod(DateOnly Start)
{
    public DateOnly EndExclusive => Start.AddMonths(6);

    public DateOnly LastDay => EndExclusive.AddDays(-1);

    public static bool IsPeriodStart(DateOnly day) => day.Day == 1 && day.Month is 1 or 7;
}
