using Cms.Domain.Complaints;

namespace Cms.Tests.Domain;

public sealed class ComplaintVersioningTests
{
    private static readonly DateTimeOffset Received = TestComplaints.ReceivedAt;

    [Test]
    public void Every_successful_change_bumps_the_version_by_exactly_one_and_stamps_UpdatedAt()
    {
        var complaint = TestComplaints.File();
        var steps = new Func<DateTimeOffset, Cms.Domain.Common.Result>[]
        {
            complaint.Acknowledge,
            now => complaint.Assign(TestComplaints.AgentId, now),
            complaint.Start,
            complaint.AwaitConsumer,
            complaint.Start,
            now => complaint.Resolve(TestComplaints.UpheldResolution, now),
            complaint.Close,
            complaint.Reopen,
            now => complaint.Resolve(TestComplaints.UpheldResolution, now),
            now => complaint.Refer("Financial Ombudsman Service", null, now),
            now => complaint.RecordReferralOutcome(ReferralOutcome.Settled, now),
            complaint.Close,
        };

        var now = Received;
        for (var i = 0; i < steps.Length; i++)
        {
            now = now.AddHours(1);
            ResultAssert.Succeeded(steps[i](now));
            using (Assert.EnterMultipleScope())
            {
                Assert.That(complaint.Version, Is.EqualTo(i + 2), $"after step {i + 1}");
                Assert.That(complaint.UpdatedAt, Is.EqualTo(now), $"after step {i + 1}");
            }
        }
    }

    [Test]
    public void A_failed_change_leaves_version_and_UpdatedAt_alone()
    {
        var complaint = TestComplaints.File();

        Assert.That(complaint.Close(Received.AddHours(1)).IsSuccess, Is.False);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(complaint.Version, Is.EqualTo(1));
            Assert.That(complaint.UpdatedAt, Is.EqualTo(Received));
            Assert.That(complaint.PendingChanges, Is.Empty);
        }
    }

    [Test]
    public void PendingChanges_accumulates_each_changed_field_name_once_in_order()
    {
        var complaint = TestComplaints.File();

        ResultAssert.Succeeded(complaint.Acknowledge(Received.AddHours(1)));
        ResultAssert.Succeeded(complaint.Assign(TestComplaints.AgentId, Received.AddHours(2)));
        ResultAssert.Succeeded(complaint.Start(Received.AddHours(3)));
        ResultAssert.Succeeded(complaint.Assign(TestComplaints.OtherAgentId, Received.AddHours(4)));

        Assert.That(complaint.PendingChanges, Is.EqualTo(new[] { "status", "acknowledgedAt", "assigneeId" }));
    }

    [Test]
    public void ClearPendingChanges_empties_the_list_and_later_changes_are_listed_afresh()
    {
        var complaint = TestComplaints.InStage(Stage.Investigating);
        Assert.That(complaint.PendingChanges, Is.Not.Empty);

        complaint.ClearPendingChanges();
        Assert.That(complaint.PendingChanges, Is.Empty);

        ResultAssert.Succeeded(complaint.Assign(TestComplaints.AgentId, Received.AddHours(1)));
        Assert.That(complaint.PendingChanges, Is.EqualTo(new[] { "assigneeId" }));
    }

    [Test]
    public void ClearPendingChanges_does_not_touch_the_version()
    {
        var complaint = TestComplaints.InStage(Stage.Resolved);
        var version = complaint.Version;

        complaint.ClearPendingChanges();

        Assert.That(complaint.Version, Is.EqualTo(version));
    }
}
