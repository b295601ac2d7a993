using Cms.Domain.Common;
using Cms.Domain.Complaints;
using Cms.Domain.Regulation;

namespace Cms.Tests.Domain;

public sealed partial class ComplaintLifecycleTests
{
    // ---- Refer --------------------------------------------------------------------------------------------------

    [TestCase(Stage.Resolved)]
    [TestCase(Stage.Closed)]
    public void Refer_after_the_firms_response_records_the_referral(Stage stage)
    {
        var complaint = TestComplaints.InStage(stage);
        complaint.ClearPendingChanges();
        var now = Received.AddDays(30);

        ResultAssert.Succeeded(complaint.Refer("  Financial Ombudsman Service ", " FOS-987 ", now));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(complaint.Status, Is.EqualTo(ComplaintStatus.Referred));
            Assert.That(complaint.Referral, Is.EqualTo(new Referral("Financial Ombudsman Service", "FOS-987", now, null, null)));
            Assert.That(complaint.PendingChanges, Is.EqualTo(new[] { "status", "referral" }));
        }
    }

    [Test]
    public void Refer_without_an_external_reference()
    {
        var complaint = TestComplaints.InStage(Stage.Resolved);

        ResultAssert.Succeeded(complaint.Refer("Financial Ombudsman Service", null, Received.AddDays(30)));

        Assert.That(complaint.Referral?.ExternalReference, Is.Null);
    }

    [TestCase(Stage.Received, "received")]
    [TestCase(Stage.Acknowledged, "acknowledged")]
    [TestCase(Stage.Investigating, "investigating")]
    [TestCase(Stage.AwaitingConsumer, "awaiting_consumer")]
    public void Refer_while_open_before_any_deadline_has_passed_is_refused(Stage open, string status)
    {
        var complaint = TestComplaints.InStage(open);

        AssertIllegal(complaint.Refer("Financial Ombudsman Service", null, UkFinalDue), status);
    }

    [Test]
    public void Refer_while_open_after_only_the_optional_summary_window_has_passed_is_refused()
    {
        var complaint = TestComplaints.InStage(Stage.Investigating);

        AssertIllegal(complaint.Refer("Financial Ombudsman Service", null, UkSummaryDue.AddDays(7)), "investigating");
    }

    [TestCase(Stage.Received)]
    [TestCase(Stage.Acknowledged)]
    [TestCase(Stage.Investigating)]
    [TestCase(Stage.AwaitingConsumer)]
    public void Refer_while_open_once_the_eight_week_deadline_has_passed(Stage open)
    {
        var complaint = TestComplaints.InStage(open);
        var now = UkFinalDue.AddTicks(1);

        ResultAssert.Succeeded(complaint.Refer("Financial Ombudsman Service", null, now));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(complaint.Status, Is.EqualTo(ComplaintStatus.Referred));
            Assert.That(complaint.Referral?.ReferredAt, Is.EqualTo(now));
            Assert.That(complaint.NextDueAt, Is.Null);
        }
    }

    [Test]
    public void Refer_while_open_under_eu261_after_six_weeks_without_reply()
    {
        // 42 days after Friday 27 March 2026 is Friday 8 May; its end in Brussels (CEST) is 21:59:59.9999999 UTC.
        var due = new DateTimeOffset(2026, 5, 8, 22, 0, 0, TimeSpan.Zero).AddTicks(-1);
        var atDeadline = TestComplaints.File(RegulatoryProfiles.EuAirline);
        var afterDeadline = TestComplaints.File(RegulatoryProfiles.EuAirline);

        AssertIllegal(atDeadline.Refer("National Enforcement Body", null, due), "received");
        ResultAssert.Succeeded(afterDeadline.Refer("National Enforcement Body", null, due.AddTicks(1)));
    }

    [Test]
    public void Refer_while_open_is_refused_when_the_passed_deadline_was_met()
    {
        // US airline: the 30-day written acknowledgement is met; the 60-day substantive response is not yet due.
        var complaint = TestComplaints.File(RegulatoryProfiles.UsAirline);
        ResultAssert.Succeeded(complaint.Acknowledge(Received.AddDays(1)));

        AssertIllegal(complaint.Refer("Department of Transportation", null, Received.AddDays(40)), "acknowledged");
    }

    [TestCase(Stage.Referred)]
    [TestCase(Stage.ReferredWithOutcome)]
    public void Refer_twice_is_refused_as_already_referred(Stage stage)
    {
        var complaint = TestComplaints.InStage(stage);
        var before = ComplaintSnapshot.Of(complaint);

        var result = complaint.Refer("Another body", null, Received.AddDays(60));

        AssertIllegal(result, "referred");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.Error?.Message, Does.Contain("already referred"));
            Assert.That(ComplaintSnapshot.Of(complaint), Is.EqualTo(before));
        }
    }

    // ---- RecordReferralOutcome ----------------------------------------------------------------------------------

    [Test]
    public void RecordReferralOutcome_records_outcome_and_when()
    {
        var complaint = TestComplaints.InStage(Stage.Referred);
        var referredAt = complaint.Referral!.ReferredAt;
        complaint.ClearPendingChanges();
        var now = Received.AddDays(100);

        ResultAssert.Succeeded(complaint.RecordReferralOutcome(ReferralOutcome.Settled, now));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(complaint.Status, Is.EqualTo(ComplaintStatus.Referred));
            Assert.That(complaint.Referral, Is.EqualTo(new Referral("Financial Ombudsman Service", "FOS-123", referredAt,
                ReferralOutcome.Settled, now)));
            Assert.That(complaint.PendingChanges, Is.EqualTo(new[] { "referralOutcome" }));
        }
    }

    [Test]
    public void RecordReferralOutcome_twice_is_a_conflict_and_keeps_the_first_outcome()
    {
        var complaint = TestComplaints.InStage(Stage.ReferredWithOutcome);
        var before = ComplaintSnapshot.Of(complaint);

        var error = ResultAssert.Failed(complaint.RecordReferralOutcome(ReferralOutcome.UpheldForConsumer, Received.AddDays(100)));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(error.Kind, Is.EqualTo(ErrorKind.Conflict));
            Assert.That(error.Code, Is.EqualTo("complaint.referral_outcome_recorded"));
            Assert.That(complaint.Referral?.Outcome, Is.EqualTo(ReferralOutcome.NotUpheldForConsumer));
            Assert.That(ComplaintSnapshot.Of(complaint), Is.EqualTo(before));
        }
    }

    [TestCase(Stage.Resolved, "resolved")]
    [TestCase(Stage.ClosedAfterReferral, "closed")]
    public void RecordReferralOutcome_when_not_referred_is_refused(Stage stage, string status)
    {
        var complaint = TestComplaints.InStage(stage);

        var result = complaint.RecordReferralOutcome(ReferralOutcome.Settled, Received.AddDays(100));

        AssertIllegal(result, status);
        Assert.That(result.Error?.Message, Does.Contain("not referred"));
    }

    // ---- Restore ------------------------------------------------------------------------------------------------

    [Test]
    public void Restore_rebuilds_the_aggregate_from_its_state_with_no_pending_changes()
    {
        var deadline = new Deadline(DeadlineKind.FinalResponse, UkFinalDue, null);
        var referral = new Referral("FOS", "R-1", Received.AddDays(60), null, null);
        var state = new ComplaintState
        {
            Id = Guid.CreateVersion7(),
            TenantId = TestComplaints.TenantId,
            Reference = "CMP-2026-000007",
            ConsumerId = TestComplaints.ConsumerId,
            Channel = Channel.Letter,
            Product = "Loan",
            Category = "Fees",
            Description = "d",
            Priority = Priority.Low,
            ProfileCode = RegulatoryProfiles.UkBanking.Code,
            Status = ComplaintStatus.Referred,
            AssigneeId = TestComplaints.AgentId,
            ReceivedAt = Received,
            ResolvedAt = Received.AddDays(50),
            FinalResponseAt = Received.AddDays(50),
            Resolution = TestComplaints.UpheldResolution,
            Referral = referral,
            Deadlines = [deadline],
            CreatedAt = Received,
            UpdatedAt = Received.AddDays(60),
            Version = 9,
        };

        var complaint = Complaint.Restore(state);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(complaint.Id, Is.EqualTo(state.Id));
            Assert.That(complaint.Status, Is.EqualTo(ComplaintStatus.Referred));
            Assert.That(complaint.AssigneeId, Is.EqualTo(TestComplaints.AgentId));
            Assert.That(complaint.Referral, Is.EqualTo(referral));
            Assert.That(complaint.Resolution, Is.EqualTo(TestComplaints.UpheldResolution));
            Assert.That(complaint.Deadlines, Is.EqualTo(new[] { deadline }));
            Assert.That(complaint.ResponseType, Is.EqualTo(ResponseType.FinalResponse));
            Assert.That(complaint.Version, Is.EqualTo(9));
            Assert.That(complaint.UpdatedAt, Is.EqualTo(Received.AddDays(60)));
            Assert.That(complaint.PendingChanges, Is.Empty);
        }

        ResultAssert.Succeeded(complaint.RecordReferralOutcome(ReferralOutcome.Withdrawn, Received.AddDays(70)));
        Assert.That(complaint.Version, Is.EqualTo(10));
    }
}
