using Cms.Domain.Complaints;
using Cms.Domain.Regulation;

namespace Cms.Tests.Domain;

/// <summary>
/// The "or" branches of the deadline rules (domain.md, "Regulatory clocks"): a holding response, an "in progress"
/// response, an ADR letter or provisional credit meets a deadline as the final response does, and may make a later
/// deadline the binding one. Earlier profile versions keep their stricter reading (a final response alone).
/// </summary>
public sealed partial class AlternativeResponseTests
{
    private static readonly DateTimeOffset Received = TestComplaints.ReceivedAt; // Friday 27 March 2026, 10:00 UTC
    private static readonly ComplaintFlags PaymentServices = new(true, false);

    // Due instants for a receipt at 10:00 UTC on Friday 27 March 2026 (RegulatoryDeadlineTests checks the arithmetic).
    private static readonly DateTimeOffset UkEightWeeks = At("2026-05-22T22:59:59.9999999Z");
    private static readonly DateTimeOffset Psd2FifteenDays = At("2026-04-21T22:59:59.9999999Z");
    private static readonly DateTimeOffset Psd2ThirtyFiveDays = At("2026-05-20T22:59:59.9999999Z");
    private static readonly DateTimeOffset CfpbFifteenDays = At("2026-04-12T03:59:59.9999999Z");
    private static readonly DateTimeOffset CfpbSixtyDays = At("2026-05-27T03:59:59.9999999Z");
    private static readonly DateTimeOffset RegETenDays = At("2026-04-11T03:59:59.9999999Z");
    private static readonly DateTimeOffset RegEFortyFiveDays = At("2026-05-12T03:59:59.9999999Z");

    private static DateTimeOffset At(string iso) => DateTimeOffset.Parse(iso, System.Globalization.CultureInfo.InvariantCulture);

    private static Deadline Of(Complaint c, DeadlineKind kind) => c.Deadlines.Single(d => d.Kind == kind);

    private static Cms.Domain.Common.Result Send(Complaint c, ResponseType type, DateTimeOffset sentAt) =>
        c.RecordResponse(Guid.NewGuid(), type, sentAt, TestComplaints.AgentId, TenantClock.None, sentAt.AddMinutes(5));

    // ---- UK banking: the 8-week final or holding response -------------------------------------------------------------

    [Test]
    public void A_holding_response_meets_the_uk_eight_week_deadline()
    {
        var complaint = TestComplaints.File(RegulatoryProfiles.UkBanking);
        var sentAt = Received.AddDays(50);

        ResultAssert.Succeeded(Send(complaint, ResponseType.HoldingResponse, sentAt));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Of(complaint, DeadlineKind.FinalResponse).MetAt, Is.EqualTo(sentAt));
            Assert.That(Of(complaint, DeadlineKind.FinalResponse).IsBreached(UkEightWeeks.AddDays(30)), Is.False);
            Assert.That(complaint.NextDueAt, Is.Null, "nothing regulatory is due after the DISP 1.6.2(2) response");
            Assert.That(complaint.PendingChanges, Is.EqualTo(new[] { "responses", "deadlines" }));
            Assert.That(complaint.Status, Is.EqualTo(ComplaintStatus.Received), "a holding response does not resolve the complaint");
        }
    }

    [Test]
    public void A_holding_response_sent_after_eight_weeks_is_met_late()
    {
        var complaint = TestComplaints.File(RegulatoryProfiles.UkBanking);
        var late = UkEightWeeks.AddDays(2);

        ResultAssert.Succeeded(Send(complaint, ResponseType.HoldingResponse, late));

        Assert.That(Of(complaint, DeadlineKind.FinalResponse).IsBreached(late.AddDays(1)), Is.True);
    }

    [Test]
    public void Under_uk_banking_version_2_a_holding_response_meets_nothing()
    {
        var complaint = TestComplaints.File(RegulatoryProfiles.UkBankingV2);

        ResultAssert.Succeeded(Send(complaint, ResponseType.HoldingResponse, Received.AddDays(50)));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Of(complaint, DeadlineKind.FinalResponse).MetAt, Is.Null);
            Assert.That(complaint.PendingChanges, Is.EqualTo(new[] { "responses" }));
        }
    }

    [Test]
    public void After_eight_weeks_a_uk_holding_response_still_lets_the_consumer_refer()
    {
        var complaint = TestComplaints.File(RegulatoryProfiles.UkBanking);
        ResultAssert.Succeeded(Send(complaint, ResponseType.HoldingResponse, Received.AddDays(50)));

        AssertIllegalRefer(complaint, UkEightWeeks);
        ResultAssert.Succeeded(complaint.Refer("Financial Ombudsman Service", null, UkEightWeeks.AddTicks(1)));
    }

    // ---- PSD2: 15 business days, or a holding reply and 35 ----------------------------------------------------------

    [TestCase("uk_banking_fca_disp1")]
    [TestCase("eu_banking_psd2")]
    public void A_psd2_holding_reply_meets_the_fifteen_days_and_makes_the_thirty_five_bind(string code)
    {
        var profile = RegulatoryProfiles.ByCode(code)!;
        var complaint = TestComplaints.File(profile, PaymentServices);
        Assert.That(complaint.Deadlines.Select(d => d.Kind), Does.Not.Contain(DeadlineKind.PaymentServicesExceptionalFinalResponse));
        var sentAt = Received.AddDays(12);

        ResultAssert.Succeeded(Send(complaint, ResponseType.HoldingResponse, sentAt));

        var exceptional = Of(complaint, DeadlineKind.PaymentServicesExceptionalFinalResponse);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Of(complaint, DeadlineKind.PaymentServicesFinalResponse).MetAt, Is.EqualTo(sentAt));
            Assert.That(exceptional.MetAt, Is.Null);
            Assert.That(exceptional.DueAt, Is.EqualTo(profile.ComputeDeadlines(Received, PaymentServices,
                occurred: new HashSet<DeadlineMetBy> { DeadlineMetBy.HoldingResponse }).Single(d => d.Kind == exceptional.Kind).DueAt));
            Assert.That(complaint.NextDueKind, Is.EqualTo(DeadlineKind.PaymentServicesExceptionalFinalResponse));
        }

        var resolvedAt = Received.AddDays(30);
        ResultAssert.Succeeded(complaint.Resolve(TestComplaints.UpheldResolution, resolvedAt));
        Assert.That(Of(complaint, DeadlineKind.PaymentServicesExceptionalFinalResponse).MetAt, Is.EqualTo(resolvedAt));
    }

    [Test]
    public void The_uk_psd2_thirty_five_day_deadline_lands_on_the_35th_business_day()
    {
        var complaint = TestComplaints.File(RegulatoryProfiles.UkBanking, PaymentServices);

        ResultAssert.Succeeded(Send(complaint, ResponseType.HoldingResponse, Received.AddDays(12)));

        Assert.That(Of(complaint, DeadlineKind.PaymentServicesExceptionalFinalResponse).DueAt, Is.EqualTo(Psd2ThirtyFiveDays));
    }

    [Test]
    public void Without_a_holding_reply_the_fifteen_days_bind_and_a_final_response_meets_them()
    {
        var complaint = TestComplaints.File(RegulatoryProfiles.UkBanking, PaymentServices);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(complaint.NextDueAt, Is.EqualTo(Psd2FifteenDays));
            Assert.That(Of(complaint, DeadlineKind.PaymentServicesFinalResponse).IsBreached(Psd2FifteenDays.AddTicks(1)), Is.True);
        }
    }

    [Test]
    public void A_psd2_holding_reply_sent_late_is_a_breach_and_the_thirty_five_still_bind()
    {
        var complaint = TestComplaints.File(RegulatoryProfiles.UkBanking, PaymentServices);
        var late = Psd2FifteenDays.AddDays(1);

        ResultAssert.Succeeded(Send(complaint, ResponseType.HoldingResponse, late));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Of(complaint, DeadlineKind.PaymentServicesFinalResponse).IsBreached(late), Is.True);
            Assert.That(Of(complaint, DeadlineKind.PaymentServicesExceptionalFinalResponse).MetAt, Is.Null);
        }
    }

    [Test]
    public void A_psd2_holding_reply_defers_the_referral_right_to_the_35th_business_day()
    {
        var complaint = TestComplaints.File(RegulatoryProfiles.UkBanking, PaymentServices);
        ResultAssert.Succeeded(Send(complaint, ResponseType.HoldingResponse, Received.AddDays(12)));

        AssertIllegalRefer(complaint, Psd2FifteenDays.AddDays(1));
        ResultAssert.Succeeded(complaint.Refer("Financial Ombudsman Service", null, Psd2ThirtyFiveDays.AddTicks(1)));
    }

    [Test]
    public void Without_a_psd2_holding_reply_the_consumer_may_refer_after_fifteen_business_days()
    {
        var complaint = TestComplaints.File(RegulatoryProfiles.UkBanking, PaymentServices);

        ResultAssert.Succeeded(complaint.Refer("Financial Ombudsman Service", null, Psd2FifteenDays.AddTicks(1)));
    }

    [Test]
    public void Flagging_payment_services_after_a_holding_reply_meets_the_fifteen_days_by_it()
    {
        var complaint = TestComplaints.File(RegulatoryProfiles.UkBanking);
        var sentAt = Received.AddDays(5);
        ResultAssert.Succeeded(Send(complaint, ResponseType.HoldingResponse, sentAt));

        ResultAssert.Succeeded(complaint.SetPaymentServices(true, TenantClock.None, Received.AddDays(6)));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Of(complaint, DeadlineKind.PaymentServicesFinalResponse).MetAt, Is.EqualTo(sentAt));
            Assert.That(Of(complaint, DeadlineKind.PaymentServicesExceptionalFinalResponse).MetAt, Is.Null);
        }
    }

    [Test]
    public void Correcting_the_receipt_date_after_a_holding_reply_keeps_the_thirty_five_days()
    {
        var complaint = TestComplaints.File(RegulatoryProfiles.UkBanking, PaymentServices);
        var sentAt = Received.AddDays(5);
        ResultAssert.Succeeded(Send(complaint, ResponseType.HoldingResponse, sentAt));

        ResultAssert.Succeeded(complaint.CorrectReceivedAt(Received.AddDays(-1), TenantClock.None, Received.AddDays(6)));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Of(complaint, DeadlineKind.PaymentServicesFinalResponse).MetAt, Is.EqualTo(sentAt));
            Assert.That(Of(complaint, DeadlineKind.PaymentServicesExceptionalFinalResponse).DueAt, Is.LessThan(Psd2ThirtyFiveDays));
        }
    }

    [Test]
    public void Under_uk_banking_version_2_both_psd2_deadlines_bind_from_receipt()
    {
        var complaint = TestComplaints.File(RegulatoryProfiles.UkBankingV2, PaymentServices);

        ResultAssert.Succeeded(Send(complaint, ResponseType.HoldingResponse, Received.AddDays(12)));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Of(complaint, DeadlineKind.PaymentServicesFinalResponse).MetAt, Is.Null);
            Assert.That(Of(complaint, DeadlineKind.PaymentServicesExceptionalFinalResponse).MetAt, Is.Null);
        }
    }
}

/// <summary>A receipt-date correction on a closed complaint moves it between the closure bands of the regulator's return.</summary>
public sealed class ClosureBandCorrectionTests
{
    private static readonly DateTimeOffset Filed = TestComplaints.ReceivedAt; // Friday 27 March 2026

    private static Complaint ClosedComplaint(DateTimeOffset receivedAt, DateTimeOffset resolvedAt)
    {
        var complaint = Complaint.File(TestComplaints.Filing(reference: "CMP-2026-000001") with
        {
            Product = "p",
            Category = "c",
            Description = "d",
            ReceivedAt = receivedAt,
        }, Filed).Value;
        ResultAssert.Succeeded(complaint.Resolve(TestComplaints.UpheldResolution, resolvedAt));
        ResultAssert.Succeeded(complaint.Close(resolvedAt.AddDays(1)));
        complaint.ClearPendingChanges();
        return complaint;
    }

    [Test]
    public void Correcting_the_receipt_date_of_a_closed_complaint_recomputes_its_closure_band()
    {
        // Resolved on Tuesday 31 March: within 3 business days of Friday 27 March, not of Friday 20 March or of January.
        var resolvedAt = new DateTimeOffset(2026, 3, 31, 12, 0, 0, TimeSpan.Zero);
        var complaint = ClosedComplaint(Filed, resolvedAt);
        Assert.That(complaint.ClosureBand, Is.EqualTo(ClosureBand.WithinThreeBusinessDays));

        ResultAssert.Succeeded(complaint.CorrectReceivedAt(Filed.AddDays(-7), TenantClock.None, Filed.AddDays(10)));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(complaint.ClosureBand, Is.EqualTo(ClosureBand.WithinEightWeeks));
            Assert.That(complaint.PendingChanges, Is.EqualTo(new[] { "receivedAt", "deadlines", "closureBand" }));
        }

        ResultAssert.Succeeded(complaint.CorrectReceivedAt(Filed.AddDays(-70), TenantClock.None, Filed.AddDays(10)));
        Assert.That(complaint.ClosureBand, Is.EqualTo(ClosureBand.AfterEightWeeks));
    }

    [Test]
    public void A_later_receipt_date_can_bring_a_closed_complaint_into_the_three_day_band()
    {
        var resolvedAt = new DateTimeOffset(2026, 3, 31, 12, 0, 0, TimeSpan.Zero);
        var complaint = ClosedComplaint(Filed.AddDays(-14), resolvedAt);
        Assert.That(complaint.ClosureBand, Is.EqualTo(ClosureBand.WithinEightWeeks));

        ResultAssert.Succeeded(complaint.CorrectReceivedAt(Filed, TenantClock.None, Filed.AddDays(10)));

        Assert.That(complaint.ClosureBand, Is.EqualTo(ClosureBand.WithinThreeBusinessDays));
    }

    [Test]
    public void A_correction_that_keeps_the_band_does_not_report_it_changed_and_an_open_complaint_has_none()
    {
        var resolvedAt = new DateTimeOffset(2026, 3, 31, 12, 0, 0, TimeSpan.Zero);
        var closed = ClosedComplaint(Filed, resolvedAt);
        var open = TestComplaints.File(RegulatoryProfiles.UkBanking);

        ResultAssert.Succeeded(closed.CorrectReceivedAt(Filed.AddHours(-1), TenantClock.None, Filed.AddDays(10)));
        ResultAssert.Succeeded(open.CorrectReceivedAt(Filed.AddDays(-30), TenantClock.None, Filed.AddDays(1)));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(closed.ClosureBand, Is.EqualTo(ClosureBand.WithinThreeBusinessDays));
            Assert.That(closed.PendingChanges, Is.EqualTo(new[] { "receivedAt", "deadlines" }));
            Assert.That(open.ClosureBand, Is.Null);
        }
    }
}
