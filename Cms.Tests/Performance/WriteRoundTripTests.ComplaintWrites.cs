using System.Net;
using Cms.Application.Audit;
using Cms.Application.Common;
using Cms.Application.Complaints;
using Cms.Domain.Complaints;
using Cms.Domain.Staff;
using static Cms.Tests.Api.ApiRequests;

namespace Cms.Tests.Performance;

public sealed partial class WriteRoundTripTests
{
    private const int MaxComplaintWriteRoundTrips = 3;

    /// <summary>What a complaint write acts on: the complaint, a second one of the same consumer (a merge's duplicate), a
    /// staff member of the tenant (an assignee) and a queue of the tenant.</summary>
    public sealed record Target(ComplaintDto Complaint, ComplaintDto Other, Guid StaffId, string Queue);

    /// <summary>A write on one complaint (If-Match): its route's last segment, its use case, the status it starts from, its body.</summary>
    public sealed record ComplaintWrite(string Step, UseCase UseCase, ComplaintStatus From, Func<Target, object>? Body = null)
    {
        public HttpMethod Method { get; init; } = HttpMethod.Post;

        /// <summary>The tenant's sector and jurisdiction (a disability flag matters to a US airline).</summary>
        public (string Sector, string Jurisdiction) Tenant { get; init; } = ("banking", "UK");

        public override string ToString() => $"{Method} {Step} ({UseCase})";
    }

    public static readonly ComplaintWrite[] ComplaintWrites =
    [
        new("acknowledge", UseCase.AcknowledgeComplaint, ComplaintStatus.Received),
        new("start", UseCase.StartInvestigation, ComplaintStatus.Acknowledged),
        new("await-consumer", UseCase.AwaitConsumer, ComplaintStatus.Investigating),
        new("start", UseCase.StartInvestigation, ComplaintStatus.AwaitingConsumer),
        new("assign", UseCase.AssignComplaint, ComplaintStatus.Received, t => new { assigneeId = t.StaffId }),
        new("resolve", UseCase.ResolveComplaint, ComplaintStatus.Investigating, _ => new
        {
            outcome = "upheld",
            redress = new { monetary = new { amountMinor = 2500, currency = "GBP" } },
            rootCause = "process_error",
        }),
        new("close", UseCase.CloseComplaint, ComplaintStatus.Resolved),
        new("reopen", UseCase.ReopenComplaint, ComplaintStatus.Closed),
        new("refer", UseCase.ReferComplaint, ComplaintStatus.Resolved, _ => new { body = "Financial Ombudsman Service", reference = "FOS-1" }),
        new("referral-outcome", UseCase.RecordReferralOutcome, ComplaintStatus.Referred, _ => new { outcome = "settled" }),
        new("responses", UseCase.RecordResponse, ComplaintStatus.Acknowledged, t => new { type = "holding_response", sentAt = t.Complaint.ReceivedAt }),
        new("classify", UseCase.ReclassifyComplaint, ComplaintStatus.Received, _ => new { product = "credit_card", category = "interest" }),
        new("vulnerability", UseCase.RecordVulnerability, ComplaintStatus.Received,
            t => new { involved = true, drivers = new[] { "life_event" }, consentGivenAt = t.Complaint.ReceivedAt }) { Method = HttpMethod.Put },
        new("merge", UseCase.MergeComplaints, ComplaintStatus.Received, t => new { duplicateId = t.Other.Id }),
        new("received-at", UseCase.CorrectReceivedAt, ComplaintStatus.Received, t => new { receivedAt = t.Complaint.ReceivedAt.AddDays(-3) }),
        new("payment-services", UseCase.SetPaymentServices, ComplaintStatus.Received, _ => new { paymentServices = true }),
        new("disability", UseCase.SetDisability, ComplaintStatus.Received, _ => new { disability = true }) { Tenant = ("airline", "US") },
        new("provisional-credit", UseCase.RecordProvisionalCredit, ComplaintStatus.Received, t => new { creditedAt = t.Complaint.ReceivedAt })
        {
            Tenant = ("banking", "US"),
        },
        new("queue", UseCase.MoveComplaintQueue, ComplaintStatus.Received, t => new { queue = t.Queue }),
    ];

    /// <summary>
    /// Every write on a complaint, once the tenant's reference data is in the cache (the same write has run once before on
    /// another complaint): at most three round trips; the answer is what a read of the complaint gives; a history entry
    /// (audit entry and change event, one call) is written; and the same write again with the ETag it started from is 412
    /// and changes nothing (the version guard holds although the update travels with COMMIT).
    /// </summary>
    [TestCaseSource(nameof(ComplaintWrites))]
    public async Task A_complaint_write_takes_at_most_three_round_trips_and_answers_what_a_read_gives(ComplaintWrite write)
    {
        var tenant = await CreateTenantAsync("Round Trips", write.Tenant.Sector, write.Tenant.Jurisdiction);
        var consumer = await tenant.RegisterConsumerAsync();
        var queue = (await tenant.CreateQueueAsync("round-trips")).Code;
        var (staff, _) = await tenant.AddStaffAsync(Role.Agent);

        async Task<Target> TargetAsync() => new(await ComplaintInAsync(tenant, consumer.Id, write.From),
            await tenant.FileComplaintAsync(consumer.Id), staff.Id, queue);

        async Task<(HttpResponseMessage Response, string Answer)> SendAsync(Target target, long version)
        {
            using var request = Json(write.Method, $"/v1/complaints/{target.Complaint.Id}/{write.Step}", write.Body?.Invoke(target) ?? new { }, version);
            var response = await tenant.Admin.SendAsync(request);
            return (response, await response.Content.ReadAsStringAsync());
        }

        // The first time fills the cache with what this write reads of the tenant's reference data.
        var warm = await TargetAsync();
        var (warmResponse, warmAnswer) = await SendAsync(warm, warm.Complaint.Version);
        warmResponse.Dispose();
        Assert.That(warmResponse.StatusCode, Is.EqualTo(HttpStatusCode.OK), warmAnswer);

        var target = await TargetAsync();
        var historyBefore = (await HistoryAsync(tenant, target.Complaint.Id)).Count;
        var answer = "";
        var trips = await RoundTripsOfAsync(write.UseCase.ToString(), async () =>
        {
            var (response, body) = await SendAsync(target, target.Complaint.Version);
            using (response)
            {
                answer = body;
                Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), answer);
                Assert.That(response.Headers.ETag?.Tag, Is.EqualTo($"\"{target.Complaint.Version + 1}\""), "the ETag of the version written");
            }
        });

        var read = await tenant.Admin.GetStringAsync($"/v1/complaints/{target.Complaint.Id}");
        var (stale, staleAnswer) = await SendAsync(target, target.Complaint.Version);
        stale.Dispose();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(trips, Is.LessThanOrEqualTo(MaxComplaintWriteRoundTrips), $"round trips of {write}");
            Assert.That(answer, Is.EqualTo(read), "the answer built from the write is what a read of the complaint gives");
            Assert.That((await HistoryAsync(tenant, target.Complaint.Id)).Count, Is.GreaterThan(historyBefore), "an audit entry for the write");
            Assert.That(stale.StatusCode, Is.EqualTo(HttpStatusCode.PreconditionFailed), staleAnswer);
            Assert.That(await tenant.Admin.GetStringAsync($"/v1/complaints/{target.Complaint.Id}"), Is.EqualTo(read), "a stale write changes nothing");
        }
    }

    /// <summary>
    /// A merge locks both complaints in one statement order (by id): two merges of one pair in opposite directions at
    /// once never deadlock; one merges, the other finds its survivor changed (412) or merged (409), and nothing else.
    /// </summary>
    [Test]
    public async Task Two_merges_of_one_pair_in_opposite_directions_at_once_merge_once()
    {
        var tenant = await CreateTenantAsync();
        var consumer = await tenant.RegisterConsumerAsync();
        for (var round = 0; round < 5; round++)
        {
            var a = await tenant.FileComplaintAsync(consumer.Id);
            var b = await tenant.FileComplaintAsync(consumer.Id);
            var answers = await Task.WhenAll(
                TransitionAsync(tenant.Admin, a.Id, "merge", a.Version, new { duplicateId = b.Id }),
                TransitionAsync(tenant.Admin, b.Id, "merge", b.Version, new { duplicateId = a.Id }));
            var statuses = answers.Select(r => r.StatusCode).ToList();
            foreach (var answer in answers)
            {
                answer.Dispose();
            }

            Assert.That(statuses.Count(s => s == HttpStatusCode.OK), Is.EqualTo(1), $"round {round}: {string.Join(", ", statuses)}");
            Assert.That(statuses.Single(s => s != HttpStatusCode.OK), Is.AnyOf(HttpStatusCode.PreconditionFailed, HttpStatusCode.Conflict));
            var merged = new[] { await ReadAsync(a.Id), await ReadAsync(b.Id) };
            Assert.That(merged.Count(c => c.Status == ComplaintStatus.Merged), Is.EqualTo(1), $"round {round}: one of the two is merged into the other");
        }

        async Task<ComplaintDto> ReadAsync(Guid id) => await Read<ComplaintDto>(await tenant.Admin.GetAsync($"/v1/complaints/{id}"));
    }

    private static async Task<IReadOnlyList<AuditEntryDto>> HistoryAsync(TestTenant tenant, Guid complaintId) =>
        (await Read<Page<AuditEntryDto>>(await tenant.Admin.GetAsync($"/v1/complaints/{complaintId}/history?limit=200"))).Items;

    /// <summary>A fresh complaint of the consumer brought to <paramref name="status"/> by the tenant admin.</summary>
    private static async Task<ComplaintDto> ComplaintInAsync(TestTenant tenant, Guid consumerId, ComplaintStatus status)
    {
        var c = await tenant.FileComplaintAsync(consumerId);
        async Task Step(string step, object? body = null) =>
            c = await Read<ComplaintDto>(await TransitionAsync(tenant.Admin, c.Id, step, c.Version, body));

        string[] steps = status switch
        {
            ComplaintStatus.Received => [],
            ComplaintStatus.Acknowledged => ["acknowledge"],
            ComplaintStatus.Investigating => ["acknowledge", "start"],
            ComplaintStatus.AwaitingConsumer => ["acknowledge", "start", "await-consumer"],
            ComplaintStatus.Resolved => ["resolve"],
            ComplaintStatus.Closed => ["resolve", "close"],
            ComplaintStatus.Referred => ["resolve", "refer"],
            _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
        };
        foreach (var step in steps)
        {
            await Step(step, step switch
            {
                "resolve" => new { outcome = "upheld" },
                "refer" => new { body = "Financial Ombudsman Service" },
                _ => null,
            });
        }

        Assert.That(c.Status, Is.EqualTo(status));
        return c;
    }
}
