using Cms.Application.Common;
using Cms.Application.Complaints;
using Cms.Application.Complaints.AcknowledgeComplaint;
using Cms.Application.Complaints.FileComplaint;
using Cms.Application.Complaints.ListComplaints;
using Cms.Application.Complaints.ListDueComplaints;
using Cms.Application.Complaints.MoveComplaintQueue;
using Cms.Application.Queues;
using Cms.Application.Queues.CreateQueue;
using Cms.Application.Queues.ReplaceStaffQueues;
using Cms.Application.Queues.RetireQueue;
using Cms.Domain.Common;
using Cms.Domain.Complaints;
using Cms.Domain.Staff;

namespace Cms.Tests.Application;

/// <summary>
/// Queues through their handlers over the fakes: the agent rule (assigned to them, or unassigned in one of their queues;
/// unassigned in no queue is for supervisors and tenant admins), the queue's own use cases, membership, filing into and
/// moving between queues, and the queue filters of the lists.
/// </summary>
public sealed class QueueHandlerTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    private static ValueTask<Result<ComplaintDto>> Acknowledge(World w, ComplaintState c) =>
        new AcknowledgeComplaintHandler(w.Complaints, w.ComplaintQueries, w.Caller, w.Audit, w.Clock)
            .Handle(new AcknowledgeComplaintCommand(c.Id, c.Version), None);

    private static ValueTask<Result<ComplaintDto>> Move(World w, ComplaintState c, string? queue, long? version = null) =>
        new MoveComplaintQueueHandler(w.Queues, w.Complaints, w.ComplaintQueries, w.Caller, w.Audit, w.Clock)
            .Handle(new MoveComplaintQueueCommand(c.Id, version ?? c.Version, queue), None);

    private static ValueTask<Result<StaffQueuesDto>> ReplaceQueues(World w, StaffMember member, params string[] queues) =>
        new ReplaceStaffQueuesHandler(w.Staff, w.Queues, w.Audit).Handle(new ReplaceStaffQueuesCommand(member.Id, queues, null), None);

    private static ValueTask<Result<ComplaintDto>> File(World w, Guid consumerId, string? queue) =>
        new FileComplaintHandler(w.Tenants, w.TenantClocks, w.Consumers, w.Complaints, w.ComplaintQueries, w.Taxonomies, w.Queues, w.LegalEntities, w.Scope,
                w.Audit, w.Clock)
            .Handle(new FileComplaintCommand(consumerId, Channel.Web, "p", "c", "d", null, null, null, null, null) { Queue = queue }, None);

    // ---- the rule itself ----

    [Test]
    public void The_agent_rule_allows_their_own_and_the_unassigned_of_their_queues_and_supervisors_everything()
    {
        var world = new World();
        var cast = world.SeedCast();
        var elsewhere = world.SeedQueue(cast.Tenant.Id, "mortgages");
        Guid? none = null;
        var cases = new (StaffMember Staff, Guid? Assignee, Guid? Queue, bool Allowed, string Why)[]
        {
            (cast.Agent, cast.Agent.Id, none, true, "assigned to them, in no queue"),
            (cast.Agent, cast.Agent.Id, elsewhere.Id, true, "assigned to them, in a queue they do not work"),
            (cast.Agent, none, cast.Queue.Id, true, "unassigned, in their queue"),
            (cast.Agent, none, elsewhere.Id, false, "unassigned, in another queue"),
            (cast.Agent, none, none, false, "unassigned, in no queue: supervisors route it"),
            (cast.Agent, cast.OtherAgent.Id, cast.Queue.Id, false, "another agent's, even in their queue"),
            (cast.Supervisor, none, none, true, "supervisor: unassigned in no queue"),
            (cast.Supervisor, cast.Agent.Id, elsewhere.Id, true, "supervisor: anyone's"),
            (cast.Admin, none, elsewhere.Id, true, "tenant admin: any"),
        };

        using (Assert.EnterMultipleScope())
        {
            foreach (var (staff, assignee, queue, allowed, why) in cases)
            {
                Assert.That(Permissions.MayHandle(staff, assignee, queue), Is.EqualTo(allowed), why);
            }
        }
    }

    [Test]
    public async Task An_agent_acts_on_an_unassigned_complaint_of_their_queue_but_not_of_another_or_of_none()
    {
        var world = new World();
        var cast = world.SeedCast();
        var elsewhere = world.SeedQueue(cast.Tenant.Id, "mortgages");
        var inMine = world.SeedComplaint(cast);
        var inOther = world.SeedComplaint(cast.Tenant.Id, cast.Consumer.Id, queueId: elsewhere.Id);
        var inNone = world.SeedComplaint(cast.Tenant.Id, cast.Consumer.Id);
        world.ActAs(cast.Agent);

        var refused = Expect.Failure(await Acknowledge(world, inOther), ErrorKind.Forbidden);
        Expect.Failure(await Acknowledge(world, inNone), ErrorKind.Forbidden);
        Assert.That(refused.Message, Is.EqualTo("An agent acts only on complaints assigned to them or unassigned in one of their queues."));
        Expect.NothingWritten(world);

        Assert.That(Expect.Success(await Acknowledge(world, inMine)).Status, Is.EqualTo(ComplaintStatus.Acknowledged));

        var supervisor = world.NextRequest().ActAs(cast.Supervisor);
        Assert.That(Expect.Success(await Acknowledge(supervisor, inNone)).Status, Is.EqualTo(ComplaintStatus.Acknowledged),
            "a supervisor handles an unassigned complaint in no queue");
    }

    // ---- moving, filing ----

    [Test]
    public async Task A_supervisor_moves_a_complaint_between_queues_with_a_new_version_and_one_audit_entry()
    {
        var world = new World();
        var cast = world.SeedCast();
        var mortgages = world.SeedQueue(cast.Tenant.Id, "mortgages");
        var seeded = world.SeedComplaint(cast, assigneeId: cast.Agent.Id);
        world.ActAs(cast.Supervisor);

        var moved = Expect.Success(await Move(world, seeded, "mortgages"));

        var entry = Expect.SingleAudit(world);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(moved.QueueId, Is.EqualTo(mortgages.Id));
            Assert.That(moved.AssigneeId, Is.EqualTo(cast.Agent.Id), "the assignee stays");
            Assert.That(moved.Version, Is.EqualTo(seeded.Version + 1));
            Assert.That(world.StoredComplaint(seeded.Id).QueueId, Is.EqualTo(mortgages.Id));
            Assert.That(entry.Action, Is.EqualTo("complaint.queue_moved"));
            Assert.That(entry.ChangedFields, Is.EqualTo(new[] { "queueId" }));
        }

        var stored = world.StoredComplaint(seeded.Id);
        var next = world.NextRequest().ActAs(cast.Supervisor);
        Assert.That(Expect.Success(await Move(next, stored, null)).QueueId, Is.Null, "out of every queue");
    }

    [Test]
    public async Task Moving_to_an_unknown_a_retired_or_the_same_queue_or_with_a_stale_version_is_refused_and_nothing_is_written()
    {
        var world = new World();
        var cast = world.SeedCast();
        world.SeedQueue(cast.Tenant.Id, "old", retired: true);
        var seeded = world.SeedComplaint(cast);
        world.ActAs(cast.Supervisor);

        Expect.Invalid(await Move(world, seeded, "nowhere"), "queue");
        Expect.Failure(await Move(world, seeded, "old"), ErrorKind.Conflict, "queue.retired");
        Expect.Failure(await Move(world, seeded, "general"), ErrorKind.Conflict, "complaint.already_in_queue");
        Expect.Failure(await Move(world, seeded, "general", version: seeded.Version + 5), ErrorKind.PreconditionFailed);

        Expect.NothingWritten(world);
    }

    [Test]
    public async Task A_complaint_is_filed_into_an_active_queue_and_the_filing_is_audited_with_it()
    {
        var world = new World();
        var cast = world.SeedCast();
        world.SeedQueue(cast.Tenant.Id, "old", retired: true);
        world.ActAs(cast.Agent);

        Expect.Invalid(await File(world, cast.Consumer.Id, "nowhere"), "queue");
        Expect.Failure(await File(world, cast.Consumer.Id, "old"), ErrorKind.Conflict, "queue.retired");
        Expect.NothingWritten(world);

        var filed = Expect.Success(await File(world, cast.Consumer.Id, "general"));
        var unqueued = Expect.Success(await File(world, cast.Consumer.Id, null));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(filed.QueueId, Is.EqualTo(cast.Queue.Id));
            Assert.That(world.StoredComplaint(filed.Id).QueueId, Is.EqualTo(cast.Queue.Id));
            Assert.That(unqueued.QueueId, Is.Null, "no queue given and no routing default: none");
            Assert.That(world.AuditEntries.First(a => a.EntityId == filed.Id).ChangedFields, Does.Contain("queueId"));
        }
    }

    // ---- queues and membership ----

    [Test]
    public async Task A_queue_is_created_once_per_code_and_retired_once_each_audited()
    {
        var world = new World();
        var cast = world.SeedCast();
        world.ActAs(cast.Admin);

        var created = Expect.Success(await new CreateQueueHandler(world.Queues, world.Scope, world.Audit, world.Clock)
            .Handle(new CreateQueueCommand("cards", "Cards"), None));
        Expect.Failure(await new CreateQueueHandler(world.Queues, world.Scope, world.Audit, world.Clock)
            .Handle(new CreateQueueCommand("cards", "Cards again"), None), ErrorKind.Conflict, "queue.code_taken");
        var retired = Expect.Success(await new RetireQueueHandler(world.Queues, world.Audit, world.Clock)
            .Handle(new RetireQueueCommand(created.Id, created.Version), None));
        Expect.Failure(await new RetireQueueHandler(world.Queues, world.Audit, world.Clock)
            .Handle(new RetireQueueCommand(created.Id, null), None), ErrorKind.Conflict, "queue.retired");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(created, Is.EqualTo(new QueueDto(created.Id, "cards", "Cards", false, null, world.Now, 1)));
            Assert.That(retired.Retired, Is.True);
            Assert.That(retired.Version, Is.EqualTo(2));
            Assert.That(world.AuditEntries.Select(a => a.Action), Is.EqualTo(new[] { "queue.created", "queue.retired" }));
        }
    }

    [Test]
    public async Task Replacing_a_members_queues_takes_effect_on_their_next_request_and_is_audited()
    {
        var world = new World();
        var cast = world.SeedCast();
        var mortgages = world.SeedQueue(cast.Tenant.Id, "mortgages");
        world.SeedQueue(cast.Tenant.Id, "old", retired: true);
        var seeded = world.SeedComplaint(cast.Tenant.Id, cast.Consumer.Id, queueId: mortgages.Id);
        world.ActAs(cast.Supervisor);

        Expect.Invalid(await ReplaceQueues(world, cast.Agent, "nowhere"), "queues");
        Expect.Failure(await ReplaceQueues(world, cast.Agent, "old"), ErrorKind.Conflict, "queue.retired");
        Expect.NothingWritten(world);
        var replaced = Expect.Success(await ReplaceQueues(world, cast.Agent, "mortgages", "general"));

        var entry = Expect.SingleAudit(world);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(replaced.Queues, Is.EqualTo(new[] { "general", "mortgages" }));
            Assert.That(replaced.Version, Is.EqualTo(cast.Agent.Version + 1));
            Assert.That(world.Db.Staff[cast.Agent.Id].QueueIds, Is.EquivalentTo(new[] { cast.Queue.Id, mortgages.Id }));
            Assert.That(entry.Action, Is.EqualTo("staff.queues_replaced"));
            Assert.That(entry.EntityId, Is.EqualTo(cast.Agent.Id));
        }

        // The agent's next request reads the new membership: the unassigned complaint of mortgages is now theirs to handle.
        var agent = world.NextRequest().ActAs(world.Db.Staff[cast.Agent.Id]);
        Expect.Success(await Acknowledge(agent, seeded));

        // Emptied again: out of every queue.
        var emptied = Expect.Success(await ReplaceQueues(world.NextRequest().ActAs(cast.Supervisor), cast.Agent));
        Assert.That(emptied.Queues, Is.Empty);
        Assert.That(world.Db.Staff[cast.Agent.Id].QueueIds, Is.Empty);
    }

    [Test]
    public async Task A_service_account_works_no_queue()
    {
        var world = new World();
        var cast = world.SeedCast();
        var service = world.SeedStaff(cast.Tenant.Id, [Role.Integration], StaffKind.ServiceAccount);
        world.ActAs(cast.Admin);

        Expect.Failure(await ReplaceQueues(world, service, "general"), ErrorKind.Conflict, "staff.service_account_queues");
        Expect.NothingWritten(world);
    }

    // ---- lists ----

    [Test]
    public async Task The_lists_filter_by_queue_and_unassigned()
    {
        var world = new World();
        var cast = world.SeedCast();
        var mortgages = world.SeedQueue(cast.Tenant.Id, "mortgages");
        var open = world.SeedComplaint(cast);
        var taken = world.SeedComplaint(cast, assigneeId: cast.Agent.Id);
        var other = world.SeedComplaint(cast.Tenant.Id, cast.Consumer.Id, queueId: mortgages.Id);
        world.ActAs(cast.Agent);
        var list = new ListComplaintsHandler(world.ComplaintQueries, world.QueueQueries, world.Clock);
        var due = new ListDueComplaintsHandler(world.ComplaintQueries, world.QueueQueries, world.TenantClocks, world.Clock);

        async Task<IEnumerable<Guid>> Listed(string? queue, bool? unassigned) =>
            Expect.Success(await list.Handle(new ListComplaintsQuery(null, null, null, null, null, null, null, null, null, null)
            {
                Queue = queue,
                Unassigned = unassigned,
            }, None)).Items.Select(c => c.Id);

        async Task<IEnumerable<Guid>> Due(string? queue, bool? unassigned) =>
            Expect.Success(await due.Handle(new ListDueComplaintsQuery(null, null, null, null, null, null, null, null)
            {
                Queue = queue,
                Unassigned = unassigned,
            }, None)).Items.Select(c => c.ComplaintId);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(await Listed("general", null), Is.EquivalentTo(new[] { open.Id, taken.Id }));
            Assert.That(await Listed("general", true), Is.EquivalentTo(new[] { open.Id }));
            Assert.That(await Listed(null, true), Is.EquivalentTo(new[] { open.Id, other.Id }));
            Assert.That(await Listed("mortgages", null), Is.EquivalentTo(new[] { other.Id }));
            Assert.That(await Due("general", null), Is.EquivalentTo(new[] { open.Id, taken.Id }));
            Assert.That(await Due("general", true), Is.EquivalentTo(new[] { open.Id }));
            Assert.That(await Due("mortgages", true), Is.EquivalentTo(new[] { other.Id }));
        }

        Expect.Invalid(await list.Handle(new ListComplaintsQuery(null, null, null, null, null, null, null, null, null, null) { Queue = "nowhere" }, None),
            "queue");
        Expect.Invalid(await due.Handle(new ListDueComplaintsQuery(null, null, null, null, null, null, null, null) { Queue = "nowhere" }, None),
            "queue");
    }
}
