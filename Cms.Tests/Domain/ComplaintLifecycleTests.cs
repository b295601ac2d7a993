using Cms.Domain.Common;
using Cms.Domain.Complaints;
using Cms.Domain.Regulation;

namespace Cms.Tests.Domain;

public sealed partial class ComplaintLifecycleTests
{
    private static readonly DateTimeOffset Received = TestComplaints.ReceivedAt;

    /// <summary>End of Wednesday 1 April 2026 in London (BST): the 3rd business day after Friday 27 March.</summary>
    private static readonly DateTimeOffset UkSummaryDue = new DateTimeOffset(2026, 4, 1, 23, 0, 0, TimeSpan.Zero).AddTicks(-1);

    /// <summary>End of Friday 22 May 2026 in London (BST): 56 days after Friday 27 March.</summary>
    private static readonly DateTimeOffset UkFinalDue = new DateTimeOffset(2026, 5, 22, 23, 0, 0, TimeSpan.Zero).AddTicks(-1);

    private static Result<Complaint> FileAt(DateTimeOffset? receivedAt, DateTimeOffset now, RegulatoryProfile? profile = null) =>
        Complaint.File(TestComplaints.Filing(profile, "CMP-2026-000001") with
        {
            Channel = Channel.Email,
            Product = "Mortgage",
            Category = "Arrears",
            Description = "Description",
            Priority = Priority.High,
            VulnerabilityInvolved = true,
            ReceivedAt = receivedAt,
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
            Id = id,
            Channel = Channel.Phone,
            Product = "  Savings ",
            Category = " Interest  ",
            Description = "Too low.",
            Priority = Priority.Urgent,
            VulnerabilityInvolved = true,
            Flags = new ComplaintFlags(true, false),
            ReceivedAt = Received,
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
}
