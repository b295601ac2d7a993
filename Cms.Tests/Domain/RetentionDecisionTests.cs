using Cms.Domain.Retention;

namespace Cms.Tests.Domain;

/// <summary>When a consumer's personal data is due for erasure (ADR 0019): the schedule after closure, never before the
/// profile's floor from receipt; a hold or a complaint not closed keeps it.</summary>
public sealed class RetentionDecisionTests
{
    private static readonly DateTimeOffset Received = new(2026, 1, 10, 9, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Closed = Received.AddDays(20);

    private static RetainedComplaint Complaint(string profile = "uk_banking_fca_disp1", string product = "current_account", bool closed = true,
        DateTimeOffset? receivedAt = null, DateTimeOffset? closedAt = null) =>
        new(Guid.NewGuid(), closed, profile, product, receivedAt ?? Received, closed ? closedAt ?? Closed : null);

    private static RetentionSchedule Schedule(int days, Dictionary<string, int>? perProfile = null, string[]? mifid = null) =>
        new(days, perProfile ?? [], mifid ?? []);

    [Test]
    public void The_fca_floor_of_three_years_from_receipt_wins_over_a_shorter_schedule()
    {
        var verdict = RetentionDecision.Decide(Schedule(30), false, [Complaint()], Received.AddYears(3).AddDays(-1));
        Assert.That(verdict.Action, Is.EqualTo(RetentionAction.NotYetDue));
        Assert.That(verdict.DueAt, Is.EqualTo(Received.AddYears(3)));
        Assert.That(verdict.Rule, Does.StartWith("FCA DISP 1.9.1R(2)"));
        Assert.That(RetentionDecision.Decide(Schedule(30), false, [Complaint()], Received.AddYears(3)).Action, Is.EqualTo(RetentionAction.Erase));
    }

    [Test]
    public void A_longer_schedule_counts_from_closure_and_a_profile_override_replaces_it()
    {
        var verdict = RetentionDecision.Decide(Schedule(2000), false, [Complaint()], Closed.AddDays(2000));
        Assert.That((verdict.Action, verdict.DueAt), Is.EqualTo((RetentionAction.Erase, Closed.AddDays(2000))));
        Assert.That(verdict.Rule, Does.Contain("2000 days after closure"));
        var overridden = RetentionDecision.Decide(Schedule(2000, new() { ["uk_banking_fca_disp1"] = 1500 }), false, [Complaint()], Closed.AddDays(1500));
        Assert.That(overridden.Action, Is.EqualTo(RetentionAction.Erase));
    }

    [Test]
    public void Mifid_products_take_five_years_and_profiles_have_their_own_floors()
    {
        var mifid = Schedule(30, mifid: ["isa"]);
        Assert.That(RetentionDecision.Decide(mifid, false, [Complaint(product: "isa")], Received.AddYears(4)).Action, Is.EqualTo(RetentionAction.NotYetDue));
        Assert.That(RetentionDecision.Decide(mifid, false, [Complaint(product: "isa")], Received.AddYears(5)).Rule, Does.Contain("MiFID"));
        Assert.That(RetentionDecision.Decide(Schedule(30), false, [Complaint("us_banking_cfpb")], Received.AddYears(2)).Action, Is.EqualTo(RetentionAction.Erase));
        Assert.That(RetentionDecision.Decide(Schedule(30), false, [Complaint("uk_telecom_ofcom_c4")], Received.AddYears(2)).Action,
            Is.EqualTo(RetentionAction.NotYetDue), "no stated period found: three years");
    }

    [Test]
    public void The_latest_complaint_decides_and_a_hold_or_an_open_complaint_keeps_the_consumer()
    {
        var later = Complaint(receivedAt: Received.AddYears(1), closedAt: Received.AddYears(1).AddDays(5));
        var at = Received.AddYears(3).AddDays(1);
        Assert.That(RetentionDecision.Decide(Schedule(30), false, [Complaint(), later], at).Action, Is.EqualTo(RetentionAction.NotYetDue));
        Assert.That(RetentionDecision.Decide(Schedule(30), true, [Complaint()], at).Action, Is.EqualTo(RetentionAction.Held));
        Assert.That(RetentionDecision.Decide(Schedule(30), false, [Complaint(), Complaint(closed: false)], at).Action, Is.EqualTo(RetentionAction.OpenComplaint));
        Assert.That(RetentionDecision.Decide(Schedule(30), false, [Complaint(closed: false)], at).Action, Is.EqualTo(RetentionAction.NotYetDue),
            "nothing closed: never due");
    }
}
