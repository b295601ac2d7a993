using Cms.Application.Complaints;
using Cms.Application.Complaints.AcknowledgeComplaint;
using Cms.Application.Complaints.AssignComplaint;
using Cms.Application.Complaints.AwaitConsumer;
using Cms.Application.Complaints.CloseComplaint;
using Cms.Application.Complaints.RecordReferralOutcome;
using Cms.Application.Complaints.ReferComplaint;
using Cms.Application.Complaints.ReopenComplaint;
using Cms.Application.Complaints.ResolveComplaint;
using Cms.Application.Complaints.StartInvestigation;
using Cms.Domain.Audit;
using Cms.Domain.Common;
using Cms.Domain.Complaints;
using Cms.Tests.Application.Fakes;
using Cms.Tests.Domain;

namespace Cms.Tests.Application;

/// <summary>One lifecycle command: where it is legal from, where not, and what it must record.</summary>
public sealed record TransitionCase(
    string Name,
    Stage From,
    ComplaintStatus To,
    Stage IllegalFrom,
    string Action,
    string[] ChangedFields,
    Func<World, Guid, long, ValueTask<Result<ComplaintDto>>> Run)
{
    public override string ToString() => Name;
}

/// <summary>
/// Every transition handler over the shared ComplaintTransitionHandler path: load within the tenant, version check, agent
/// ownership, domain rule, guarded save, one audit entry.
/// </summary>
public sealed class ComplaintTransitionHandlerTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    public static IEnumerable<TransitionCase> Cases()
    {
        yield return Case("acknowledge", Stage.Received, ComplaintStatus.Acknowledged, Stage.Investigating, "complaint.acknowledged",
            ["status", "acknowledgedAt"],
            (w, id, v) => new AcknowledgeComplaintHandler(w.Complaints, w.ComplaintQueries, w.Caller, w.Audit, w.Clock)
                .Handle(new AcknowledgeComplaintCommand(id, v), None));
        yield return Case("start", Stage.Acknowledged, ComplaintStatus.Investigating, Stage.Received, "complaint.investigation_started",
            ["status"],
            (w, id, v) => new StartInvestigationHandler(w.Complaints, w.ComplaintQueries, w.Caller, w.Audit, w.Clock)
                .Handle(new StartInvestigationCommand(id, v), None));
        yield return Case("await-consumer", Stage.Investigating, ComplaintStatus.AwaitingConsumer, Stage.Acknowledged, "complaint.awaiting_consumer",
            ["status"],
            (w, id, v) => new AwaitConsumerHandler(w.Complaints, w.ComplaintQueries, w.Caller, w.Audit, w.Clock)
                .Handle(new AwaitConsumerCommand(id, v), None));
        yield return Case("assign (to self)", Stage.Received, ComplaintStatus.Received, Stage.Closed, "complaint.assigned",
            ["assigneeId"],
            (w, id, v) => new AssignComplaintHandler(w.Staff, w.Complaints, w.ComplaintQueries, w.Caller, w.Audit, w.Clock)
                .Handle(new AssignComplaintCommand(id, v, w.Caller.RequiredStaff.Id), None));
        yield return Case("resolve", Stage.Investigating, ComplaintStatus.Resolved, Stage.Resolved, "complaint.resolved",
            ["status", "outcome", "redress", "rootCause", "resolvedAt", "summaryResolutionAt", "responses"],
            (w, id, v) => new ResolveComplaintHandler(w.Complaints, w.ComplaintQueries, w.Taxonomies, w.Caller, w.Audit, w.Clock)
                .Handle(new ResolveComplaintCommand(id, v, Outcome.PartlyUpheld,
                    new RedressDto(new MoneyDto(2500, "GBP"), " apology letter "), " billing_error "), None));
        yield return Case("close", Stage.Resolved, ComplaintStatus.Closed, Stage.Investigating, "complaint.closed",
            ["status", "closedAt", "closureBand"],
            (w, id, v) => new CloseComplaintHandler(w.Complaints, w.ComplaintQueries, w.Caller, w.Audit, w.Clock)
                .Handle(new CloseComplaintCommand(id, v), None));
        yield return Case("reopen", Stage.Closed, ComplaintStatus.Investigating, Stage.Resolved, "complaint.reopened",
            ["status", "reopenedAt", "closedAt", "closureBand"],
            (w, id, v) => new ReopenComplaintHandler(w.Complaints, w.ComplaintQueries, w.Caller, w.Audit, w.Clock)
                .Handle(new ReopenComplaintCommand(id, v), None));
        yield return Case("refer", Stage.Resolved, ComplaintStatus.Referred, Stage.Acknowledged, "complaint.referred",
            ["status", "referral"],
            (w, id, v) => new ReferComplaintHandler(w.Complaints, w.ComplaintQueries, w.Caller, w.Audit, w.Clock)
                .Handle(new ReferComplaintCommand(id, v, " Financial Ombudsman Service ", "FOS-1"), None));
        yield return Case("record-referral-outcome", Stage.Referred, ComplaintStatus.Referred, Stage.Resolved, "complaint.referral_outcome_recorded",
            ["referralOutcome"],
            (w, id, v) => new RecordReferralOutcomeHandler(w.Complaints, w.ComplaintQueries, w.Caller, w.Audit, w.Clock)
                .Handle(new RecordReferralOutcomeCommand(id, v, ReferralOutcome.Settled), None));
    }

    private static TransitionCase Case(string name, Stage from, ComplaintStatus to, Stage illegalFrom, string action, string[] fields,
        Func<World, Guid, long, ValueTask<Result<ComplaintDto>>> run) =>
        new(name, from, to, illegalFrom, action, fields, run);

    [TestCaseSource(nameof(Cases))]
    public async Task Success_saves_version_plus_one_and_writes_one_audit_entry(TransitionCase c)
    {
        var world = new World();
        var cast = world.SeedCast();
        var seeded = world.SeedComplaint(cast, c.From);
        world.Clock.Advance(TimeSpan.FromMinutes(5));
        world.ActAs(cast.Agent);

        var dto = Expect.Success(await c.Run(world, seeded.Id, seeded.Version));

        var stored = world.StoredComplaint(seeded.Id);
        var entry = Expect.SingleAudit(world);
        Expect.SameComplaint(dto, Dtos.Complaint(stored, world.Now));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(stored.Version, Is.EqualTo(seeded.Version + 1));
            Assert.That(stored.Status, Is.EqualTo(c.To));
            Assert.That(stored.UpdatedAt, Is.EqualTo(world.Now));
            Assert.That(world.Db.Writes, Is.EqualTo(new[] { $"complaint.update {seeded.Id}", $"audit.insert {c.Action}", $"event.insert {c.Action}" }));
            Assert.That(world.Db.Events.Single().Event, Is.EqualTo(world.Db.Events.Single().Event with
            {
                TenantId = cast.Tenant.Id,
                Type = c.Action,
                EntityType = "complaint",
                EntityId = seeded.Id,
                EntityVersion = seeded.Version + 1,
                OccurredAt = entry.OccurredAt,
            }), "the change-feed event of the transition, with the complaint's new version");
            Assert.That(dto.Version, Is.EqualTo(seeded.Version + 1));
            Assert.That(entry.Action, Is.EqualTo(c.Action));
            Assert.That(entry.TenantId, Is.EqualTo(cast.Tenant.Id));
            Assert.That(entry.EntityType, Is.EqualTo("complaint"));
            Assert.That(entry.EntityId, Is.EqualTo(seeded.Id));
            Assert.That(entry.ActorType, Is.EqualTo(ActorType.Staff));
            Assert.That(entry.ActorId, Is.EqualTo(cast.Agent.Id.ToString()));
            Assert.That(entry.OccurredAt, Is.EqualTo(world.Now));
            Assert.That(entry.ChangedFields, Is.EquivalentTo(c.ChangedFields));
        }
    }

    [TestCaseSource(nameof(Cases))]
    public async Task A_stale_expected_version_is_precondition_failed_and_nothing_is_saved_or_audited(TransitionCase c)
    {
        foreach (var delta in new[] { -1, 1 })
        {
            var world = new World();
            var cast = world.SeedCast();
            var seeded = world.SeedComplaint(cast, c.From);
            world.ActAs(cast.Agent);

            var error = Expect.Failure(await c.Run(world, seeded.Id, seeded.Version + delta), ErrorKind.PreconditionFailed, "version.stale");

            using (Assert.EnterMultipleScope())
            {
                Assert.That(error.Message, Does.Contain($"version {seeded.Version + delta}").And.Contain($"is {seeded.Version}"));
                Assert.That(world.StoredComplaint(seeded.Id), Is.SameAs(seeded), "the stored row is untouched");
            }

            Expect.NothingWritten(world);
        }
    }

    [TestCaseSource(nameof(Cases))]
    public async Task An_illegal_transition_is_conflict_and_nothing_is_saved_or_audited(TransitionCase c)
    {
        var world = new World();
        var cast = world.SeedCast();
        var seeded = world.SeedComplaint(cast, c.IllegalFrom);
        world.ActAs(cast.Agent);

        var error = Expect.Failure(await c.Run(world, seeded.Id, seeded.Version), ErrorKind.Conflict, "complaint.illegal_transition");

        Assert.That(error.Message, Does.Contain($"'{seeded.Status.ToWire()}'"));
        Assert.That(world.StoredComplaint(seeded.Id), Is.SameAs(seeded));
        Expect.NothingWritten(world);
    }

    [TestCaseSource(nameof(Cases))]
    public async Task An_agent_acting_on_a_complaint_assigned_to_someone_else_is_forbidden(TransitionCase c)
    {
        var world = new World();
        var cast = world.SeedCast();
        var seeded = world.SeedComplaint(cast, c.From, assigneeId: cast.OtherAgent.Id);
        world.ActAs(cast.Agent);

        Expect.Failure(await c.Run(world, seeded.Id, seeded.Version), ErrorKind.Forbidden, "forbidden");

        Assert.That(world.StoredComplaint(seeded.Id), Is.SameAs(seeded));
        Expect.NothingWritten(world);
    }

    [TestCaseSource(nameof(Cases))]
    public async Task An_agent_may_act_on_a_complaint_assigned_to_them(TransitionCase c)
    {
        var world = new World();
        var cast = world.SeedCast();
        var seeded = world.SeedComplaint(cast, c.From, assigneeId: cast.Agent.Id);
        world.ActAs(cast.Agent);

        var result = await c.Run(world, seeded.Id, seeded.Version);

        if (c.Action == "complaint.assigned")
        {
            // Assigning a complaint to the staff member who already holds it is refused by the domain.
            Expect.Failure(result, ErrorKind.Conflict, "complaint.already_assigned");
            Expect.NothingWritten(world);
        }
        else
        {
            Assert.That(Expect.Success(result).Status, Is.EqualTo(c.To));
        }
    }

    [TestCaseSource(nameof(Cases))]
    public async Task A_supervisor_may_act_on_a_complaint_assigned_to_someone_else(TransitionCase c)
    {
        var world = new World();
        var cast = world.SeedCast();
        var seeded = world.SeedComplaint(cast, c.From, assigneeId: cast.Agent.Id);
        world.ActAs(cast.Supervisor);

        var dto = Expect.Success(await c.Run(world, seeded.Id, seeded.Version));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(dto.Status, Is.EqualTo(c.To));
            Assert.That(world.StoredComplaint(seeded.Id).Version, Is.EqualTo(seeded.Version + 1));
            Assert.That(Expect.SingleAudit(world).ActorId, Is.EqualTo(cast.Supervisor.Id.ToString()));
        }
    }

    [TestCaseSource(nameof(Cases))]
    public async Task A_missing_complaint_or_one_of_another_tenant_is_not_found(TransitionCase c)
    {
        var world = new World();
        var cast = world.SeedCast();
        var other = world.SeedCast();
        var foreign = world.SeedComplaint(other.Tenant.Id, other.Consumer.Id, c.From);
        world.ActAs(cast.Supervisor);

        Expect.Failure(await c.Run(world, Ids.New(), 1), ErrorKind.NotFound, "complaint.not_found");
        Expect.Failure(await c.Run(world, foreign.Id, foreign.Version), ErrorKind.NotFound, "complaint.not_found");

        Assert.That(world.StoredComplaint(foreign.Id), Is.SameAs(foreign));
        Expect.NothingWritten(world);
    }

    [TestCaseSource(nameof(Cases))]
    public async Task Losing_the_race_to_a_concurrent_writer_is_precondition_failed_and_not_audited(TransitionCase c)
    {
        var world = new World();
        var cast = world.SeedCast();
        var seeded = world.SeedComplaint(cast, c.From);
        var concurrent = Stored.Copy(seeded, version: seeded.Version + 1);
        world.Complaints.BeforeUpdate = () => world.Db.Complaints[seeded.Id] = concurrent;
        world.ActAs(cast.Agent);

        Expect.Failure(await c.Run(world, seeded.Id, seeded.Version), ErrorKind.PreconditionFailed, "version.stale");

        Assert.That(world.StoredComplaint(seeded.Id), Is.SameAs(concurrent), "the winner's write stands");
        Expect.NothingWritten(world);
    }
}
