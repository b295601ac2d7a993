using Cms.Domain.Common;
using Cms.Domain.Complaints;
using Cms.Domain.Regulation;

namespace Cms.Tests.Domain;

public sealed class ComplaintLifecycleTests
{
    private static readonly DateTimeOffset Received = TestComplaints.ReceivedAt;

    /// <summary>End of Wednesday 1 April 2026 in London (BST): the 3rd business day after Friday 27 March.</summary>
    private static readonly DateTimeOffset UkSummaryDue = new DateTimeOffset(2026, 4, 1, 23, 0, 0, TimeSpan.Zero).AddTicks(-1);

    /// <summary>End of Friday 22 May 2026 in London (BST): 56 days after Friday 27 March.</summary>
    private static readonly DateTimeOffset UkFinalDue = new DateTimeOffset(2026, 5, 22, 23, 0, 0, TimeSpan.Zero).AddTicks(-1);

    private static Result<Complaint> FileAt(DateTimeOffset? receivedAt, DateTimeOffset now, RegulatoryProfile? profile = null) =>
        Complaint.File(TestComplaints.Filing(profile, "CMP-2026-000001") with
        {
            Channel = Channel.Email, Product = "Mortgage", Category = "Arrears", Description = "Description", Priority = Priority.High,
            VulnerabilityInvolved = true, ReceivedAt = receivedAt,
        }, now);

    private static void AssertIllegal(Result result, string status)
    {
        var error = ResultAssert.Failed(result);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(error.Kind, Is.EqualTo(ErrorKind.Conflict));
            Assert.That(error.Code, Is.EqualTo("complaint.illegal_transition"));
            Assert.That(error.Message, Does.Contain($"'{status}'"));
        }
    }

    // ---- File -------------------------------------------------------------------------------------------------

    [Test]
    public void File_starts_received_at_version_one_with_no_pending_changes()
    {
        var id = Guid.CreateVersion7();
        var complaint = ResultAssert.Succeeded(Complaint.File(TestComplaints.Filing() with
        {
            Id = id, Channel = Channel.Phone, Product = "  Savings ", Category = " Interest  ", Description = "Too low.", Priority = Priority.Urgent,
            VulnerabilityInvolved = true, Flags = new ComplaintFlags(true, false), ReceivedAt = Received,
        }, Received.AddHours(1)));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(complaint.Id, Is.EqualTo(id));
            Assert.That(complaint.TenantId, Is.EqualTo(TestComplaints.TenantId));
            Assert.That(complaint.Reference, Is.EqualTo("CMP-2026-000042"));
            Assert.That(complaint.ConsumerId, Is.EqualTo(TestComplaints.ConsumerId));
            Assert.That(complaint.Channel, Is.EqualTo(Channel.Phone));
            Assert.That(complaint.Product, Is.EqualTo("Savings"));
            Assert.That(complaint.Category, Is.EqualTo("Interest"));
            Assert.That(complaint.Description, Is.EqualTo("Too low."));
            Assert.That(complaint.Priority, Is.EqualTo(Priority.Urgent));
            Assert.That(complaint.VulnerabilityInvolved, Is.True);
            Assert.That(complaint.Flags, Is.EqualTo(new ComplaintFlags(true, false)));
            Assert.That(complaint.ProfileCode, Is.EqualTo("uk_banking_fca_disp1"));
            Assert.That(complaint.Status, Is.EqualTo(ComplaintStatus.Received));
            Assert.That(complaint.IsOpen, Is.True);
            Assert.That(complaint.AssigneeId, Is.Null);
            Assert.That(complaint.ReceivedAt, Is.EqualTo(Received));
            Assert.That(complaint.CreatedAt, Is.EqualTo(Received.AddHours(1)));
            Assert.That(complaint.UpdatedAt, Is.EqualTo(Received.AddHours(1)));
            Assert.That(complaint.Version, Is.EqualTo(1));
            Assert.That(complaint.PendingChanges, Is.Empty);
            Assert.That(complaint.AcknowledgedAt, Is.Null);
            Assert.That(complaint.ResolvedAt, Is.Null);
            Assert.That(complaint.ClosedAt, Is.Null);
            Assert.That(complaint.Resolution, Is.Null);
            Assert.That(complaint.Referral, Is.Null);
            Assert.That(complaint.ResponseType, Is.Null);
            Assert.That(complaint.Deadlines, Is.Not.Empty);
            Assert.That(complaint.Deadlines.Select(d => d.MetAt), Is.All.Null);
        }
    }

    [Test]
    public void File_without_receivedAt_is_received_now()
    {
        var now = new DateTimeOffset(2026, 3, 27, 10, 0, 0, TimeSpan.Zero);

        var complaint = ResultAssert.Succeeded(FileAt(null, now));

        Assert.That(complaint.ReceivedAt, Is.EqualTo(now));
    }

    [Test]
    public void File_computes_deadlines_from_the_receipt_not_from_filing()
    {
        var complaint = ResultAssert.Succeeded(FileAt(Received, Received.AddDays(10)));

        Assert.That(complaint.Deadlines.Single(d => d.Kind == DeadlineKind.FinalResponse).DueAt, Is.EqualTo(UkFinalDue));
    }

    [Test]
    public void File_received_now_is_accepted()
    {
        Assert.That(FileAt(Received, Received).IsSuccess, Is.True);
    }

    [Test]
    public void File_received_in_the_future_is_refused()
    {
        var error = ResultAssert.FailedValidation(FileAt(Received.AddTicks(1), Received), "receivedAt");

        Assert.That(error.Message, Does.Contain("future"));
    }

    [Test]
    public void File_received_exactly_six_years_ago_is_accepted()
    {
        Assert.That(FileAt(Received.AddYears(-6), Received).IsSuccess, Is.True);
    }

    [Test]
    public void File_received_more_than_six_years_ago_is_refused()
    {
        var error = ResultAssert.FailedValidation(FileAt(Received.AddYears(-6).AddTicks(-1), Received), "receivedAt");

        Assert.That(error.Message, Does.Contain("6 years"));
    }

    // ---- Acknowledge, Start, AwaitConsumer ----------------------------------------------------------------------

    [Test]
    public void Acknowledge_records_when_and_moves_to_acknowledged()
    {
        var complaint = TestComplaints.File();
        var now = Received.AddHours(2);

        ResultAssert.Succeeded(complaint.Acknowledge(now));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(complaint.Status, Is.EqualTo(ComplaintStatus.Acknowledged));
            Assert.That(complaint.AcknowledgedAt, Is.EqualTo(now));
            Assert.That(complaint.PendingChanges, Is.EqualTo(new[] { "status", "acknowledgedAt" }));
        }
    }

    [Test]
    public void Acknowledge_twice_is_refused()
    {
        var complaint = TestComplaints.InStage(Stage.Acknowledged);

        AssertIllegal(complaint.Acknowledge(Received.AddHours(1)), "acknowledged");
    }

    [TestCase(Stage.Acknowledged)]
    [TestCase(Stage.AwaitingConsumer)]
    public void Start_moves_to_investigating(Stage from)
    {
        var complaint = TestComplaints.InStage(from);
        complaint.ClearPendingChanges();

        ResultAssert.Succeeded(complaint.Start(Received.AddHours(1)));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(complaint.Status, Is.EqualTo(ComplaintStatus.Investigating));
            Assert.That(complaint.PendingChanges, Is.EqualTo(new[] { "status" }));
        }
    }

    [Test]
    public void Start_from_received_is_refused_because_acknowledgement_comes_first()
    {
        AssertIllegal(TestComplaints.File().Start(Received.AddHours(1)), "received");
    }

    [Test]
    public void AwaitConsumer_moves_an_investigation_to_awaiting_consumer()
    {
        var complaint = TestComplaints.InStage(Stage.Investigating);

        ResultAssert.Succeeded(complaint.AwaitConsumer(Received.AddHours(1)));

        Assert.That(complaint.Status, Is.EqualTo(ComplaintStatus.AwaitingConsumer));
    }

    [Test]
    public void AwaitConsumer_while_already_awaiting_is_refused()
    {
        var complaint = TestComplaints.InStage(Stage.AwaitingConsumer);

        AssertIllegal(complaint.AwaitConsumer(Received.AddHours(1)), "awaiting_consumer");
    }

    // ---- Assign -------------------------------------------------------------------------------------------------

    [Test]
    public void Assign_sets_the_assignee()
    {
        var complaint = TestComplaints.File();

        ResultAssert.Succeeded(complaint.Assign(TestComplaints.AgentId, Received.AddMinutes(5)));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(complaint.AssigneeId, Is.EqualTo(TestComplaints.AgentId));
            Assert.That(complaint.PendingChanges, Is.EqualTo(new[] { "assigneeId" }));
            Assert.That(complaint.Version, Is.EqualTo(2));
        }
    }

    [Test]
    public void Assign_to_another_staff_member_reassigns()
    {
        var complaint = TestComplaints.File();
        ResultAssert.Succeeded(complaint.Assign(TestComplaints.AgentId, Received.AddMinutes(5)));

        ResultAssert.Succeeded(complaint.Assign(TestComplaints.OtherAgentId, Received.AddMinutes(6)));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(complaint.AssigneeId, Is.EqualTo(TestComplaints.OtherAgentId));
            Assert.That(complaint.Version, Is.EqualTo(3));
        }
    }

    [Test]
    public void Assign_to_the_current_assignee_is_a_conflict_and_changes_nothing()
    {
        var complaint = TestComplaints.File();
        ResultAssert.Succeeded(complaint.Assign(TestComplaints.AgentId, Received.AddMinutes(5)));
        var before = ComplaintSnapshot.Of(complaint);

        var error = ResultAssert.Failed(complaint.Assign(TestComplaints.AgentId, Received.AddMinutes(6)));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(error.Kind, Is.EqualTo(ErrorKind.Conflict));
            Assert.That(error.Code, Is.EqualTo("complaint.already_assigned"));
            Assert.That(ComplaintSnapshot.Of(complaint), Is.EqualTo(before));
        }
    }

    [TestCase(Stage.Closed)]
    [TestCase(Stage.ClosedAfterReferral)]
    public void Assign_a_closed_complaint_is_refused(Stage closed)
    {
        var complaint = TestComplaints.InStage(closed);

        AssertIllegal(complaint.Assign(TestComplaints.AgentId, Received.AddHours(1)), "closed");
    }

    // ---- Resolve ------------------------------------------------------------------------------------------------

    [TestCase(Stage.Received)]
    [TestCase(Stage.Acknowledged)]
    [TestCase(Stage.Investigating)]
    [TestCase(Stage.AwaitingConsumer)]
    [TestCase(Stage.Reopened)]
    public void Resolve_from_every_open_status_records_the_resolution(Stage open)
    {
        var complaint = TestComplaints.InStage(open);
        var resolution = new Resolution(Outcome.PartlyUpheld, new Redress(new Money(2_500, "GBP"), "Apology letter"), "staff_error");
        var now = Received.AddDays(10);

        ResultAssert.Succeeded(complaint.Resolve(resolution, now));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(complaint.Status, Is.EqualTo(ComplaintStatus.Resolved));
            Assert.That(complaint.IsOpen, Is.False);
            Assert.That(complaint.Resolution, Is.EqualTo(resolution));
            Assert.That(complaint.ResolvedAt, Is.EqualTo(now));
            Assert.That(complaint.FinalResponseAt, Is.EqualTo(now));
        }
    }

    [Test]
    public void Resolve_within_the_uk_summary_window_is_a_summary_resolution()
    {
        var complaint = TestComplaints.File();
        var now = Received.AddDays(2);

        ResultAssert.Succeeded(complaint.Resolve(TestComplaints.UpheldResolution, now));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(complaint.ResponseType, Is.EqualTo(ResponseType.SummaryResolution));
            Assert.That(complaint.SummaryResolutionAt, Is.EqualTo(now));
            Assert.That(complaint.FinalResponseAt, Is.Null);
            Assert.That(complaint.ResolvedAt, Is.EqualTo(now));
            Assert.That(complaint.PendingChanges,
                Is.EqualTo(new[] { "status", "outcome", "redress", "rootCause", "resolvedAt", "summaryResolutionAt", "responses" }));
        }
    }

    [Test]
    public void Resolve_at_the_last_tick_of_the_summary_window_is_still_a_summary_resolution()
    {
        var complaint = TestComplaints.File();

        ResultAssert.Succeeded(complaint.Resolve(TestComplaints.UpheldResolution, UkSummaryDue));

        Assert.That(complaint.ResponseType, Is.EqualTo(ResponseType.SummaryResolution));
    }

    [Test]
    public void Resolve_after_the_uk_summary_window_is_a_final_response()
    {
        var complaint = TestComplaints.File();
        var now = UkSummaryDue.AddTicks(1);

        ResultAssert.Succeeded(complaint.Resolve(TestComplaints.UpheldResolution, now));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(complaint.ResponseType, Is.EqualTo(ResponseType.FinalResponse));
            Assert.That(complaint.FinalResponseAt, Is.EqualTo(now));
            Assert.That(complaint.SummaryResolutionAt, Is.Null);
            Assert.That(complaint.PendingChanges,
                Is.EqualTo(new[] { "status", "outcome", "redress", "rootCause", "resolvedAt", "finalResponseAt", "responses" }));
        }
    }

    [Test]
    public void Resolve_in_a_profile_without_a_summary_window_is_always_a_final_response()
    {
        var complaint = TestComplaints.File(RegulatoryProfiles.UsBanking);

        ResultAssert.Succeeded(complaint.Resolve(TestComplaints.UpheldResolution, Received.AddMinutes(1)));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(complaint.ResponseType, Is.EqualTo(ResponseType.FinalResponse));
            Assert.That(complaint.SummaryResolutionAt, Is.Null);
        }
    }

    [TestCase(Stage.Resolved, "resolved")]
    [TestCase(Stage.Closed, "closed")]
    [TestCase(Stage.Referred, "referred")]
    [TestCase(Stage.ReferredWithOutcome, "referred")]
    public void Resolve_when_not_open_is_refused(Stage stage, string status)
    {
        var complaint = TestComplaints.InStage(stage);
        var before = ComplaintSnapshot.Of(complaint);

        AssertIllegal(complaint.Resolve(TestComplaints.UpheldResolution, Received.AddDays(1)), status);
        Assert.That(ComplaintSnapshot.Of(complaint), Is.EqualTo(before));
    }

    // ---- Close and Reopen ---------------------------------------------------------------------------------------

    [Test]
    public void Close_a_resolved_complaint()
    {
        var complaint = TestComplaints.InStage(Stage.Resolved);
        complaint.ClearPendingChanges();
        var now = Received.AddDays(3);

        ResultAssert.Succeeded(complaint.Close(now));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(complaint.Status, Is.EqualTo(ComplaintStatus.Closed));
            Assert.That(complaint.ClosedAt, Is.EqualTo(now));
            Assert.That(complaint.PendingChanges, Is.EqualTo(new[] { "status", "closedAt", "closureBand" }));
        }
    }

    [Test]
    public void Close_a_referred_complaint_before_the_outcome_is_refused_with_the_reason()
    {
        var complaint = TestComplaints.InStage(Stage.Referred);

        var result = complaint.Close(Received.AddDays(3));

        AssertIllegal(result, "referred");
        Assert.That(result.Error?.Message, Does.Contain("once the referral outcome is recorded"));
    }

    [Test]
    public void Close_a_referred_complaint_after_the_outcome_is_recorded()
    {
        var complaint = TestComplaints.InStage(Stage.ReferredWithOutcome);
        var now = Received.AddDays(90);

        ResultAssert.Succeeded(complaint.Close(now));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(complaint.Status, Is.EqualTo(ComplaintStatus.Closed));
            Assert.That(complaint.ClosedAt, Is.EqualTo(now));
            Assert.That(complaint.Referral?.Outcome, Is.EqualTo(ReferralOutcome.NotUpheldForConsumer));
        }
    }

    [Test]
    public void Reopen_a_closed_complaint_returns_it_to_investigating()
    {
        var complaint = TestComplaints.InStage(Stage.Closed);
        complaint.ClearPendingChanges();
        var now = Received.AddDays(20);

        ResultAssert.Succeeded(complaint.Reopen(now));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(complaint.Status, Is.EqualTo(ComplaintStatus.Investigating));
            Assert.That(complaint.IsOpen, Is.True);
            Assert.That(complaint.ReopenedAt, Is.EqualTo(now));
            Assert.That(complaint.ClosedAt, Is.Null);
            Assert.That(complaint.PendingChanges, Is.EqualTo(new[] { "status", "reopenedAt", "closedAt", "closureBand" }));
        }
    }

    [TestCase(Stage.Resolved, "resolved")]
    [TestCase(Stage.Investigating, "investigating")]
    [TestCase(Stage.Referred, "referred")]
    public void Reopen_anything_but_a_closed_complaint_is_refused(Stage stage, string status)
    {
        AssertIllegal(TestComplaints.InStage(stage).Reopen(Received.AddDays(1)), status);
    }

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
