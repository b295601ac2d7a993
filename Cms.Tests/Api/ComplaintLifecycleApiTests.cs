using System.Net;
using Cms.Application.Audit;
using Cms.Application.Common;
using Cms.Application.Complaints;
using Cms.Domain.Complaints;
using Cms.Domain.Staff;
using Cms.Tests.Support;

namespace Cms.Tests.Api;

[TestFixture(DatabaseKind.Sqlite)]
[TestFixture(DatabaseKind.Postgres)]
public sealed class ComplaintLifecycleApiTests(DatabaseKind kind) : ApiTestBase(kind)
{
    [Test]
    public async Task A_complaint_lives_from_filing_through_closing_reopening_and_referral()
    {
        var tenant = await CreateTenantAsync();
        // The agent works the queue the complaint is filed into, so may take it while it is unassigned.
        var (agent, agentClient) = await tenant.AddQueueAgentAsync("general");
        var (_, supervisor) = await tenant.AddStaffAsync(Role.Supervisor);
        var consumer = await tenant.RegisterConsumerAsync(agentClient);
        var filed = await tenant.FileComplaintAsync(consumer.Id, agentClient, queue: "general");

        Assert.That(filed.Reference, Does.Match(@"^CMP-\d{4}-\d{6}$"));
        Assert.That(filed.Status, Is.EqualTo(ComplaintStatus.Received));
        Assert.That(filed.Deadlines.Select(d => d.Kind), Is.SupersetOf(new[] { Cms.Domain.Regulation.DeadlineKind.SummaryResolution, Cms.Domain.Regulation.DeadlineKind.FinalResponse }));

        var c = filed;
        async Task Step(HttpClient client, string step, ComplaintStatus expected, object? body = null)
        {
            var response = await TransitionAsync(client, c.Id, step, c.Version, body);
            c = await Read<ComplaintDto>(response);
            Assert.That(c.Status, Is.EqualTo(expected), step);
            Assert.That(response.Headers.ETag?.Tag, Is.EqualTo($"\"{c.Version}\""));
        }

        await Step(agentClient, "assign", c.Status, new { assigneeId = agent.Id });
        await Step(agentClient, "acknowledge", ComplaintStatus.Acknowledged);
        await Step(agentClient, "start", ComplaintStatus.Investigating);
        await Step(agentClient, "await-consumer", ComplaintStatus.AwaitingConsumer);
        await Step(agentClient, "start", ComplaintStatus.Investigating);
        await Step(agentClient, "resolve", ComplaintStatus.Resolved,
            new { outcome = "partly_upheld", redress = new { monetary = new { amountMinor = 1250, currency = "GBP" }, nonMonetary = "apology" }, rootCause = "system error" });
        Assert.That(c.Outcome, Is.EqualTo(Outcome.PartlyUpheld));
        Assert.That(c.Redress!.Monetary, Is.EqualTo(new MoneyDto(1250, "GBP")));
        await Step(agentClient, "close", ComplaintStatus.Closed);
        await Step(supervisor, "reopen", ComplaintStatus.Investigating);
        await Step(agentClient, "resolve", ComplaintStatus.Resolved, new { outcome = "upheld" });
        await Step(agentClient, "refer", ComplaintStatus.Referred, new { body = "Financial Ombudsman Service", reference = "FOS-1" });
        await Step(agentClient, "referral-outcome", ComplaintStatus.Referred, new { outcome = "upheld_for_consumer" });
        await Step(agentClient, "close", ComplaintStatus.Closed);

        var history = await Read<Page<AuditEntryDto>>(await agentClient.GetAsync($"/v1/complaints/{c.Id}/history?limit=200"));
        Assert.That(history.Items.Select(h => h.Action), Is.EqualTo(new[]
        {
            "complaint.filed", "complaint.assigned", "complaint.acknowledged", "complaint.investigation_started",
            "complaint.awaiting_consumer", "complaint.investigation_started", "complaint.resolved", "complaint.closed",
            "complaint.reopened", "complaint.resolved", "complaint.referred", "complaint.referral_outcome_recorded",
            "complaint.closed",
        }));

        var stale = await TransitionAsync(supervisor, c.Id, "reopen", c.Version - 1);
        Assert.That(stale.StatusCode, Is.EqualTo(HttpStatusCode.PreconditionFailed));
        var illegal = await TransitionAsync(supervisor, c.Id, "acknowledge", c.Version);
        Assert.That(illegal.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That(await illegal.Content.ReadAsStringAsync(), Does.Contain("'closed'"));
    }
}
