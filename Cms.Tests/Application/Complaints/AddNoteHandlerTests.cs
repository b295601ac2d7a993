using Cms.Application.Complaints;
using Cms.Application.Complaints.AddNote;
using Cms.Domain.Common;
using Cms.Domain.Complaints;
using Cms.Tests.Domain;

namespace Cms.Tests.Application;

public sealed class AddNoteHandlerTests
{
    private const string Body = "Called Jane Consumer on +44 20 7946 0000; she confirmed the duplicate charge.";

    private static ValueTask<Result<NoteDto>> AddNote(World w, Guid complaintId, NoteKind kind = NoteKind.Internal, string body = Body) =>
        new AddNoteHandler(w.Complaints, w.Caller, w.Audit, w.Clock)
            .Handle(new AddNoteCommand(complaintId, kind, body), CancellationToken.None);

    [TestCase(NoteKind.Internal)]
    [TestCase(NoteKind.ConsumerCommunication)]
    public async Task A_note_is_kept_and_audited_without_its_text_and_the_complaint_is_not_versioned(NoteKind kind)
    {
        var world = new World();
        var cast = world.SeedCast();
        var seeded = world.SeedComplaint(cast, Stage.Investigating);
        world.Clock.Advance(TimeSpan.FromMinutes(3));
        world.ActAs(cast.Agent);

        var note = Expect.Success(await AddNote(world, seeded.Id, kind));

        var entry = Expect.SingleAudit(world);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(note, Is.EqualTo(new NoteDto(note.Id, seeded.Id, kind, Body, cast.Agent.Id, world.Now)));
            Assert.That(world.Db.Notes.Single().TenantId, Is.EqualTo(cast.Tenant.Id));
            Assert.That(world.StoredComplaint(seeded.Id), Is.SameAs(seeded), "a note does not change the complaint's version");
            Assert.That(entry.Action, Is.EqualTo("complaint.note_added"));
            Assert.That(entry.EntityId, Is.EqualTo(seeded.Id));
            Assert.That(entry.ChangedFields, Is.EqualTo(new[] { "notes" }));
            Assert.That(entry.ChangedFields, Has.None.Contains("Jane"));
        }
    }

    [Test]
    public async Task A_missing_complaint_or_one_of_another_tenant_is_not_found()
    {
        var world = new World();
        var cast = world.SeedCast();
        var other = world.SeedCast();
        var foreign = world.SeedComplaint(other.Tenant.Id, other.Consumer.Id);
        world.ActAs(cast.Supervisor);

        Expect.Failure(await AddNote(world, Ids.New()), ErrorKind.NotFound, "complaint.not_found");
        Expect.Failure(await AddNote(world, foreign.Id), ErrorKind.NotFound, "complaint.not_found");

        Expect.NothingWritten(world);
        Assert.That(world.Db.Notes, Is.Empty);
    }

    [Test]
    public async Task An_agent_adds_notes_only_to_their_own_complaints_or_unassigned_ones_in_their_queues()
    {
        var world = new World();
        var cast = world.SeedCast();
        var elsewhere = world.SeedQueue(cast.Tenant.Id, "mortgages");
        var theirs = world.SeedComplaint(cast, assigneeId: cast.OtherAgent.Id);
        var mine = world.SeedComplaint(cast.Tenant.Id, cast.Consumer.Id, assigneeId: cast.Agent.Id, queueId: elsewhere.Id);
        var unassigned = world.SeedComplaint(cast);
        var otherQueue = world.SeedComplaint(cast.Tenant.Id, cast.Consumer.Id, queueId: elsewhere.Id);
        var noQueue = world.SeedComplaint(cast.Tenant.Id, cast.Consumer.Id);
        world.ActAs(cast.Agent);

        Expect.Failure(await AddNote(world, theirs.Id), ErrorKind.Forbidden);
        Expect.Failure(await AddNote(world, otherQueue.Id), ErrorKind.Forbidden);
        var refused = Expect.Failure(await AddNote(world, noQueue.Id), ErrorKind.Forbidden);
        Assert.That(refused.Message, Is.EqualTo("An agent adds notes only to complaints assigned to them or unassigned in one of their queues."));
        Expect.NothingWritten(world);
        Expect.Success(await AddNote(world, mine.Id));
        Expect.Success(await AddNote(world, unassigned.Id));

        Assert.That(world.Db.Notes.Select(n => n.ComplaintId), Is.EquivalentTo(new[] { mine.Id, unassigned.Id }));
    }

    [Test]
    public async Task A_supervisor_adds_notes_to_any_complaint()
    {
        var world = new World();
        var cast = world.SeedCast();
        var theirs = world.SeedComplaint(cast.Tenant.Id, cast.Consumer.Id, assigneeId: cast.Agent.Id);
        world.ActAs(cast.Supervisor);

        Assert.That(Expect.Success(await AddNote(world, theirs.Id)).AuthorId, Is.EqualTo(cast.Supervisor.Id));
    }

    [Test]
    public async Task A_blank_body_is_refused_by_the_domain_and_nothing_is_written()
    {
        var world = new World();
        var cast = world.SeedCast();
        var seeded = world.SeedComplaint(cast);
        world.ActAs(cast.Agent);

        Expect.Invalid(await AddNote(world, seeded.Id, body: "   "), "body");

        Expect.NothingWritten(world);
    }
}
