using Cms.Domain.Common;
using Cms.Domain.Queues;
using Cms.Domain.Staff;

namespace Cms.Tests.Domain;

/// <summary>Queues, a complaint's queue and a staff member's queues, in the domain alone.</summary>
public sealed class QueueTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 23, 9, 0, 0, TimeSpan.Zero);

    [TestCase("cards", true)]
    [TestCase("vulnerable-customers", true)]
    [TestCase("2fa", true)]
    [TestCase("", false)]
    [TestCase("-cards", false)]
    [TestCase("Cards", false)]
    [TestCase("cards team", false)]
    [TestCase("cards_team", false)]
    public void A_queue_code_is_lower_case_letters_digits_and_hyphens(string code, bool valid)
    {
        Assert.That(Queue.IsValidCode(code), Is.EqualTo(valid));
        Assert.That(Queue.Create(Ids.New(), Ids.New(), code, "Name", Now).IsSuccess, Is.EqualTo(valid));
    }

    [Test]
    public void A_code_longer_than_the_limit_and_a_blank_name_are_refused()
    {
        Assert.That(Queue.IsValidCode(new string('a', Queue.MaxCodeLength)), Is.True);
        Assert.That(Queue.IsValidCode(new string('a', Queue.MaxCodeLength + 1)), Is.False);
        Assert.That(Queue.Create(Ids.New(), Ids.New(), "cards", "  ", Now).Error?.Fields?.Keys, Is.EquivalentTo(new[] { "name" }));
    }

    [Test]
    public void A_queue_is_retired_once()
    {
        var queue = Queue.Create(Ids.New(), Ids.New(), "cards", " Cards ", Now).Value;
        Assert.That(queue.Name, Is.EqualTo("Cards"));

        Assert.That(queue.Retire(Now.AddDays(1)).IsSuccess, Is.True);
        Assert.That(queue.IsRetired, Is.True);
        Assert.That(queue.Version, Is.EqualTo(2));
        Assert.That(queue.Retire(Now.AddDays(2)).Error?.Code, Is.EqualTo("queue.retired"));
        Assert.That(queue.Version, Is.EqualTo(2));
    }

    [Test]
    public void Moving_a_complaint_changes_its_queue_and_version_but_not_its_assignee_or_deadlines()
    {
        var complaint = TestComplaints.File();
        var assignee = Ids.New();
        Assert.That(complaint.Assign(assignee, TestComplaints.ReceivedAt).IsSuccess, Is.True);
        complaint.ClearPendingChanges();
        var version = complaint.Version;
        var deadlines = complaint.Deadlines.ToList();
        var queue = Ids.New();

        Assert.That(complaint.MoveToQueue(queue, TestComplaints.ReceivedAt.AddHours(1)).IsSuccess, Is.True);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(complaint.QueueId, Is.EqualTo(queue));
            Assert.That(complaint.AssigneeId, Is.EqualTo(assignee));
            Assert.That(complaint.Version, Is.EqualTo(version + 1));
            Assert.That(complaint.PendingChanges, Is.EqualTo(new[] { "queueId" }));
            Assert.That(complaint.Deadlines, Is.EqualTo(deadlines), "a move never touches the regulatory clocks");
            Assert.That(complaint.MoveToQueue(queue, Now).Error?.Code, Is.EqualTo("complaint.already_in_queue"));
            Assert.That(complaint.MoveToQueue(null, Now).IsSuccess, Is.True);
            Assert.That(complaint.QueueId, Is.Null);
        }
    }

    [Test]
    public void A_deactivated_member_or_a_service_account_keeps_its_queues()
    {
        var tenant = Ids.New();
        var service = StaffMember.Create(Ids.New(), tenant, "svc", "svc@example.test", "Service", StaffKind.ServiceAccount, [Role.Integration], Now).Value;
        var agent = StaffMember.Create(Ids.New(), tenant, "a", "a@example.test", "Agent", StaffKind.User, [Role.Agent], Now).Value;

        Assert.That(service.ReplaceQueues([Ids.New()]).Error?.Code, Is.EqualTo("staff.service_account_queues"));
        Assert.That(agent.ReplaceQueues([Ids.New()]).IsSuccess, Is.True);
        Assert.That(agent.Version, Is.EqualTo(2));
        agent.Deactivate();
        Assert.That(agent.ReplaceQueues([]).Error?.Code, Is.EqualTo("staff.inactive"));
        Assert.That(agent.QueueIds, Has.Count.EqualTo(1));
    }
}
