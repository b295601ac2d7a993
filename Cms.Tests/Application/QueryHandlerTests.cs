using Cms.Application.Audit.ListAudit;
using Cms.Application.Common;
using Cms.Application.Complaints;
using Cms.Application.Complaints.GetComplaint;
using Cms.Application.Complaints.GetComplaintHistory;
using Cms.Application.Complaints.ListComplaints;
using Cms.Application.Complaints.ListNotes;
using Cms.Application.Consumers.FindConsumers;
using Cms.Application.Consumers.GetConsumer;
using Cms.Application.Staff.ListStaff;
using Cms.Application.Tenants.GetTenant;
using Cms.Domain.Audit;
using Cms.Domain.Common;
using Cms.Domain.Complaints;
using Cms.Tests.Application.Fakes;
using Cms.Tests.Domain;

namespace Cms.Tests.Application;

/// <summary>The read use cases: not found for another tenant's ids, keyset paging to the end, filters.</summary>
public sealed class QueryHandlerTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    private static ListComplaintsQuery List(int? limit = null, string? cursor = null, ComplaintStatus? status = null, Guid? assignee = null,
        bool? overdue = null, DateTimeOffset? dueBefore = null, string? category = null) =>
        new(status, assignee, category, null, dueBefore, overdue, null, null, limit, cursor);

    [Test]
    public async Task Get_complaint_answers_the_complaint_of_the_tenant_and_not_found_otherwise()
    {
        var world = new World();
        var cast = world.SeedCast();
        var other = world.SeedCast();
        var mine = world.SeedComplaint(cast, Stage.Resolved);
        var foreign = world.SeedComplaint(other.Tenant.Id, other.Consumer.Id);
        world.ActAs(cast.Agent);
        var handler = new GetComplaintHandler(world.ComplaintQueries, world.Clock);

        var dto = Expect.Success(await handler.Handle(new GetComplaintQuery(mine.Id), None));
        Expect.Failure(await handler.Handle(new GetComplaintQuery(foreign.Id), None), ErrorKind.NotFound, "complaint.not_found");
        Expect.Failure(await handler.Handle(new GetComplaintQuery(Ids.New()), None), ErrorKind.NotFound, "complaint.not_found");

        Expect.SameComplaint(dto, Dtos.Complaint(mine, world.Now));
        Assert.That(dto.Outcome, Is.EqualTo(Outcome.Upheld));
    }

    [Test]
    public async Task Get_complaint_reports_breaches_and_overdue_against_the_clock()
    {
        var world = new World();
        var cast = world.SeedCast();
        var seeded = world.SeedComplaint(cast, Stage.Investigating);
        world.ActAs(cast.Agent);
        world.Clock.Advance(TimeSpan.FromDays(60));

        var dto = Expect.Success(await new GetComplaintHandler(world.ComplaintQueries, world.Clock).Handle(new GetComplaintQuery(seeded.Id), None));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(dto.Overdue, Is.True);
            Assert.That(dto.Deadlines.Single(d => d.Kind == Cms.Domain.Regulation.DeadlineKind.FinalResponse).Breached, Is.True);
            Assert.That(dto.Deadlines.Single(d => d.Kind == Cms.Domain.Regulation.DeadlineKind.SummaryResolution).Breached, Is.False,
                "a passed summary-resolution window is no breach");
        }
    }

    [Test]
    public async Task List_complaints_pages_through_the_tenants_queue_oldest_first()
    {
        var world = new World();
        var cast = world.SeedCast();
        var other = world.SeedCast();
        var expected = new List<Guid>();
        for (var i = 0; i < 7; i++)
        {
            // Received out of order, some at the same instant (the id breaks the tie).
            var receivedAt = World.Start.AddMinutes(-(i % 3) * 10);
            expected.Add(world.SeedComplaint(cast, receivedAt: receivedAt).Id);
            world.SeedComplaint(other.Tenant.Id, other.Consumer.Id);
        }

        world.ActAs(cast.Agent);
        var handler = new ListComplaintsHandler(world.ComplaintQueries, world.QueueQueries, world.Clock);
        var seen = new List<ComplaintSummaryDto>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = Expect.Success(await handler.Handle(List(limit: 3, cursor: cursor), None));
            Assert.That(page.Items, Has.Count.LessThanOrEqualTo(3));
            seen.AddRange(page.Items);
            cursor = page.NextCursor;
            pages++;
        }
        while (cursor is not null);

        var ordered = expected.Select(id => world.StoredComplaint(id)).OrderBy(c => c.ReceivedAt).ThenBy(c => c.Id).Select(c => c.Id);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(pages, Is.EqualTo(3));
            Assert.That(seen.Select(s => s.Id), Is.EqualTo(ordered), "every complaint of the tenant once, in (receivedAt, id) order");
        }
    }

    [Test]
    public async Task List_complaints_filters_by_status_assignee_and_overdue()
    {
        var world = new World();
        var cast = world.SeedCast();
        var received = world.SeedComplaint(cast);
        var mine = world.SeedComplaint(cast, Stage.Investigating, assigneeId: cast.Agent.Id);
        var resolved = world.SeedComplaint(cast, Stage.Resolved, category: "Fees");
        world.ActAs(cast.Agent);
        var handler = new ListComplaintsHandler(world.ComplaintQueries, world.QueueQueries, world.Clock);

        async Task<IEnumerable<Guid>> Ids(ListComplaintsQuery q) => Expect.Success(await handler.Handle(q, None)).Items.Select(i => i.Id);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(await Ids(List(status: ComplaintStatus.Investigating)), Is.EqualTo(new[] { mine.Id }));
            Assert.That(await Ids(List(assignee: cast.Agent.Id)), Is.EqualTo(new[] { mine.Id }));
            Assert.That(await Ids(List(category: "Fees")), Is.EqualTo(new[] { resolved.Id }));
            Assert.That(await Ids(List(overdue: true)), Is.Empty);
            Assert.That(await Ids(List(overdue: false)), Is.EquivalentTo(new[] { received.Id, mine.Id, resolved.Id }));
        }

        world.Clock.Advance(TimeSpan.FromDays(57));
        var overdue = Expect.Success(await handler.Handle(List(overdue: true), None)).Items;
        Assert.That(overdue.Select(i => i.Id), Is.EquivalentTo(new[] { received.Id, mine.Id }), "open complaints past their final-response deadline");
        Assert.That(overdue.Select(s => s.Overdue), Is.All.True);
    }

    [Test]
    public async Task Notes_and_history_of_a_missing_or_foreign_complaint_are_not_found()
    {
        var world = new World();
        var cast = world.SeedCast();
        var other = world.SeedCast();
        var foreign = world.SeedComplaint(other.Tenant.Id, other.Consumer.Id);
        world.ActAs(cast.Agent);

        foreach (var id in new[] { foreign.Id, Ids.New() })
        {
            Expect.Failure(await new ListNotesHandler(world.ComplaintQueries).Handle(new ListNotesQuery(id, null, null), None),
                ErrorKind.NotFound, "complaint.not_found");
            Expect.Failure(await new GetComplaintHistoryHandler(world.ComplaintQueries, world.AuditQueries)
                .Handle(new GetComplaintHistoryQuery(id, null, null), None), ErrorKind.NotFound, "complaint.not_found");
        }
    }

    [Test]
    public async Task Notes_page_oldest_first()
    {
        var world = new World();
        var cast = world.SeedCast();
        var seeded = world.SeedComplaint(cast);
        var other = world.SeedComplaint(cast);
        world.ActAs(cast.Agent);
        var add = new Cms.Application.Complaints.AddNote.AddNoteHandler(world.Complaints, world.Caller, world.Audit, world.Clock);
        var bodies = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            bodies.Add($"note {i}");
            Expect.Success(await add.Handle(new Cms.Application.Complaints.AddNote.AddNoteCommand(seeded.Id, NoteKind.Internal, $"note {i}"), None));
        }

        Expect.Success(await add.Handle(new Cms.Application.Complaints.AddNote.AddNoteCommand(other.Id, NoteKind.Internal, "elsewhere"), None));

        var handler = new ListNotesHandler(world.ComplaintQueries);
        var first = Expect.Success(await handler.Handle(new ListNotesQuery(seeded.Id, 2, null), None));
        var second = Expect.Success(await handler.Handle(new ListNotesQuery(seeded.Id, 2, first.NextCursor), None));
        var third = Expect.Success(await handler.Handle(new ListNotesQuery(seeded.Id, 2, second.NextCursor), None));

        using (Assert.EnterMultipleScope())
        {
            // Notes are keyed by time-ordered ids; within one millisecond their order is the ids' order, as in the SQL.
            var all = first.Items.Concat(second.Items).Concat(third.Items).ToList();
            Assert.That(all.Select(n => n.Body), Is.EquivalentTo(bodies));
            Assert.That(all.Select(n => n.Id), Is.EqualTo(all.Select(n => n.Id).Order()));
            Assert.That(third.NextCursor, Is.Null);
        }
    }

    [Test]
    public async Task Consumers_are_read_and_found_only_within_the_tenant()
    {
        var world = new World();
        var cast = world.SeedCast();
        var other = world.SeedCast();
        var twin = world.SeedConsumer(other.Tenant.Id, email: cast.Consumer.Contact.Email);
        world.ActAs(cast.Agent);

        var dto = Expect.Success(await new GetConsumerHandler(world.ConsumerQueries).Handle(new GetConsumerQuery(cast.Consumer.Id), None));
        Expect.Failure(await new GetConsumerHandler(world.ConsumerQueries).Handle(new GetConsumerQuery(twin.Id), None), ErrorKind.NotFound, "consumer.not_found");
        var found = Expect.Success(await new FindConsumersHandler(world.ConsumerQueries)
            .Handle(new FindConsumersQuery(null, "  JANE.Consumer@Example.TEST ", null, null), None));
        var byRef = Expect.Success(await new FindConsumersHandler(world.ConsumerQueries)
            .Handle(new FindConsumersQuery($" {cast.Consumer.ExternalRef} ", null, null, null), None));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(dto.FullName, Is.EqualTo("Jane Consumer"));
            Assert.That(dto.Email, Is.EqualTo("jane.consumer@example.test"));
            Assert.That(dto.ExternalRef, Is.EqualTo(cast.Consumer.ExternalRef));
            Assert.That(dto.Address?.Lines, Is.EqualTo(new[] { "1 High Street" }));
            Assert.That(dto.Version, Is.EqualTo(1));
            Assert.That(found.Items.Select(c => c.Id), Is.EqualTo(new[] { cast.Consumer.Id }), "the same e-mail in another tenant is another consumer");
            Assert.That(byRef.Items.Select(c => c.Id), Is.EqualTo(new[] { cast.Consumer.Id }));
        }
    }

    [Test]
    public async Task Staff_are_listed_in_pages_of_the_tenant_only()
    {
        var world = new World();
        var cast = world.SeedCast();
        var other = world.SeedCast();
        world.SeedStaff(cast.Tenant.Id, Cms.Domain.Staff.Role.Auditor);
        world.ActAs(cast.Admin);
        var handler = new ListStaffHandler(world.StaffQueries);

        var first = Expect.Success(await handler.Handle(new ListStaffQuery(3, null), None));
        var second = Expect.Success(await handler.Handle(new ListStaffQuery(3, first.NextCursor), None));

        var expected = world.Db.Staff.Values.Where(s => s.TenantId == cast.Tenant.Id).Select(s => s.Id).Order();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(first.Items.Concat(second.Items).Select(s => s.Id), Is.EqualTo(expected));
            Assert.That(first.NextCursor, Is.Not.Null);
            Assert.That(second.NextCursor, Is.Null);
            Assert.That(first.Items.Concat(second.Items).Select(s => s.Id), Has.None.EqualTo(other.Agent.Id));
        }
    }

    [Test]
    public async Task The_audit_trail_is_the_tenants_oldest_first_and_pages_to_the_end()
    {
        var world = new World();
        var cast = world.SeedCast();
        var other = world.SeedCast();
        for (var i = 0; i < 5; i++)
        {
            world.Clock.Advance(TimeSpan.FromSeconds(1));
            world.Db.Audit.Add(new AuditEntry(Ids.New(), cast.Tenant.Id, world.Now, ActorType.Staff, cast.Admin.Id.ToString(), $"a.{i}", "x", Ids.New(), [], null));
            world.Db.Audit.Add(new AuditEntry(Ids.New(), other.Tenant.Id, world.Now, ActorType.Staff, other.Admin.Id.ToString(), "b", "x", Ids.New(), [], null));
        }

        // Two entries at one instant: the id breaks the tie.
        var tied = world.Now;
        world.Db.Audit.Add(new AuditEntry(Ids.New(), cast.Tenant.Id, tied, ActorType.Staff, "", "a.5", "x", Ids.New(), [], null));
        world.ActAs(cast.Admin);
        var handler = new ListAuditHandler(world.AuditQueries);

        var actions = new List<string>();
        string? cursor = null;
        do
        {
            var page = Expect.Success(await handler.Handle(new ListAuditQuery(2, cursor), None));
            actions.AddRange(page.Items.Select(a => a.Action));
            cursor = page.NextCursor;
        }
        while (cursor is not null);

        var expected = world.Db.Audit.Where(a => a.TenantId == cast.Tenant.Id).OrderBy(a => a.OccurredAt).ThenBy(a => a.Id).Select(a => a.Action);
        Assert.That(actions, Is.EqualTo(expected));
        Assert.That(actions, Has.Count.EqualTo(6));
    }

    [Test]
    public async Task Get_tenant_answers_the_tenant_or_not_found()
    {
        var world = new World();
        var tenant = world.SeedTenant();
        world.Caller.SetPlatform("platform-operator");
        var handler = new GetTenantHandler(world.TenantQueries);

        var dto = Expect.Success(await handler.Handle(new GetTenantQuery(tenant.Id), None));
        Expect.Failure(await handler.Handle(new GetTenantQuery(Ids.New()), None), ErrorKind.NotFound, "tenant.not_found");

        Assert.That(dto, Is.EqualTo(Cms.Application.Tenants.TenantDto.From(tenant)));
        Assert.That(dto.RegulatoryProfile, Is.EqualTo("uk_banking_fca_disp1"));
    }

    [Test]
    public void A_page_is_built_from_limit_plus_one_rows()
    {
        var ids = Enumerable.Range(0, 4).Select(_ => Guid.CreateVersion7()).ToList();

        var full = Cursor.ToPage(ids, 3, id => new CursorKey(null, id));
        var last = Cursor.ToPage(ids.Take(3).ToList(), 3, id => new CursorKey(null, id));

        Assert.That(full.Items, Is.EqualTo(ids.Take(3)));
        Assert.That(Cursor.TryDecode(full.NextCursor, out var key), Is.True);
        Assert.That(key, Is.EqualTo(new CursorKey(null, ids[2])));
        Assert.That(last.NextCursor, Is.Null);
    }
}
