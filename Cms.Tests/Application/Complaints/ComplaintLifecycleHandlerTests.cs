using Cms.Application.Complaints;
using Cms.Application.Complaints.AcknowledgeComplaint;
using Cms.Application.Complaints.AssignComplaint;
using Cms.Application.Complaints.AwaitConsumer;
using Cms.Application.Complaints.CloseComplaint;
using Cms.Application.Complaints.FileComplaint;
using Cms.Application.Complaints.GetComplaintHistory;
using Cms.Application.Complaints.RecordReferralOutcome;
using Cms.Application.Complaints.ReferComplaint;
using Cms.Application.Complaints.ReopenComplaint;
using Cms.Application.Complaints.ResolveComplaint;
using Cms.Application.Complaints.StartInvestigation;
using Cms.Domain.Complaints;
using Cms.Domain.Regulation;

namespace Cms.Tests.Application;

/// <summary>The whole lifecycle through the handlers, each step using the version the previous answer carried (the ETag chain).</summary>
public sealed class ComplaintLifecycleHandlerTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Test]
    public async Task A_complaint_goes_from_filing_to_referral_and_its_history_tells_the_story()
    {
        var world = new World();
        var cast = world.SeedCast();
        var w = world.ActAs(cast.Supervisor);

        var c = Expect.Success(await new FileComplaintHandler(w.Tenants, w.TenantClocks, w.Consumers, w.Complaints, w.ComplaintQueries, w.Taxonomies, w.Queues, w.LegalEntities, w.Scope, w.Audit, w.Clock)
            .Handle(new FileComplaintCommand(cast.Consumer.Id, Channel.Phone, "Mortgage", "Arrears", "Text", null, Priority.High, true, null, null), None));
        Assert.That(c.Version, Is.EqualTo(1));

        async Task Step(Func<long, ValueTask<Cms.Domain.Common.Result<ComplaintDto>>> run, ComplaintStatus expected)
        {
            world.Clock.Advance(TimeSpan.FromHours(1));
            var before = c.Version;
            c = Expect.Success(await run(c.Version));
            Assert.That(c.Status, Is.EqualTo(expected));
            Assert.That(c.Version, Is.EqualTo(before + 1));
        }

        await Step(v => new AssignComplaintHandler(w.Staff, w.Complaints, w.ComplaintQueries, w.Caller, w.Audit, w.Clock)
            .Handle(new AssignComplaintCommand(c.Id, v, cast.Agent.Id), None), ComplaintStatus.Received);
        await Step(v => new AcknowledgeComplaintHandler(w.Complaints, w.ComplaintQueries, w.Caller, w.Audit, w.Clock)
            .Handle(new AcknowledgeComplaintCommand(c.Id, v), None), ComplaintStatus.Acknowledged);
        await Step(v => new StartInvestigationHandler(w.Complaints, w.ComplaintQueries, w.Caller, w.Audit, w.Clock)
            .Handle(new StartInvestigationCommand(c.Id, v), None), ComplaintStatus.Investigating);
        await Step(v => new AwaitConsumerHandler(w.Complaints, w.ComplaintQueries, w.Caller, w.Audit, w.Clock)
            .Handle(new AwaitConsumerCommand(c.Id, v), None), ComplaintStatus.AwaitingConsumer);
        await Step(v => new StartInvestigationHandler(w.Complaints, w.ComplaintQueries, w.Caller, w.Audit, w.Clock)
            .Handle(new StartInvestigationCommand(c.Id, v), None), ComplaintStatus.Investigating);
        world.Clock.Advance(TimeSpan.FromDays(10));
        await Step(v => new ResolveComplaintHandler(w.Complaints, w.ComplaintQueries, w.Taxonomies, w.Caller, w.Audit, w.Clock)
            .Handle(new ResolveComplaintCommand(c.Id, v, Outcome.Upheld, new RedressDto(new MoneyDto(12_345, "GBP"), null), "arrears_handling"), None),
            ComplaintStatus.Resolved);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(c.FinalResponseAt, Is.EqualTo(world.Now), "after the 3-day window a resolution is a final response");
            Assert.That(c.SummaryResolutionAt, Is.Null);
            Assert.That(c.Redress, Is.EqualTo(new RedressDto(new MoneyDto(12_345, "GBP"), null)));
            Assert.That(c.Deadlines.Single(d => d.Kind == DeadlineKind.FinalResponse).MetAt, Is.EqualTo(world.Now));
            Assert.That(c.NextDueAt, Is.Null, "a resolved complaint has nothing due");
        }

        await Step(v => new CloseComplaintHandler(w.Complaints, w.ComplaintQueries, w.Caller, w.Audit, w.Clock)
            .Handle(new CloseComplaintCommand(c.Id, v), None), ComplaintStatus.Closed);
        await Step(v => new ReopenComplaintHandler(w.Complaints, w.ComplaintQueries, w.Caller, w.Audit, w.Clock)
            .Handle(new ReopenComplaintCommand(c.Id, v), None), ComplaintStatus.Investigating);
        Assert.That(c.ClosedAt, Is.Null);
        await Step(v => new ResolveComplaintHandler(w.Complaints, w.ComplaintQueries, w.Taxonomies, w.Caller, w.Audit, w.Clock)
            .Handle(new ResolveComplaintCommand(c.Id, v, Outcome.NotUpheld, null, null), None), ComplaintStatus.Resolved);
        await Step(v => new ReferComplaintHandler(w.Complaints, w.ComplaintQueries, w.Caller, w.Audit, w.Clock)
            .Handle(new ReferComplaintCommand(c.Id, v, "Financial Ombudsman Service", null), None), ComplaintStatus.Referred);
        await Step(v => new RecordReferralOutcomeHandler(w.Complaints, w.ComplaintQueries, w.Caller, w.Audit, w.Clock)
            .Handle(new RecordReferralOutcomeCommand(c.Id, v, ReferralOutcome.NotUpheldForConsumer), None), ComplaintStatus.Referred);
        await Step(v => new CloseComplaintHandler(w.Complaints, w.ComplaintQueries, w.Caller, w.Audit, w.Clock)
            .Handle(new CloseComplaintCommand(c.Id, v), None), ComplaintStatus.Closed);

        var history = Expect.Success(await new GetComplaintHistoryHandler(w.ComplaintQueries, w.AuditQueries)
            .Handle(new GetComplaintHistoryQuery(c.Id, 5, null), None));
        var actions = history.Items.Select(a => a.Action).ToList();
        while (history.NextCursor is { } cursor)
        {
            history = Expect.Success(await new GetComplaintHistoryHandler(w.ComplaintQueries, w.AuditQueries)
                .Handle(new GetComplaintHistoryQuery(c.Id, 5, cursor), None));
            actions.AddRange(history.Items.Select(a => a.Action));
        }

        Assert.That(actions, Is.EqualTo(new[]
        {
            "complaint.filed", "complaint.assigned", "complaint.acknowledged", "complaint.investigation_started",
            "complaint.awaiting_consumer", "complaint.investigation_started", "complaint.resolved", "complaint.closed",
            "complaint.reopened", "complaint.resolved", "complaint.referred", "complaint.referral_outcome_recorded", "complaint.closed",
        }));
        Assert.That(c.Version, Is.EqualTo(13));
    }
}
