using Cms.Domain.Complaints;
using Cms.Domain.Regulation;

namespace Cms.Tests.Domain;

public sealed partial class ComplaintLifecycleTests
{
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
}
