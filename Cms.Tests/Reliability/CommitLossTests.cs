using System.Net;
using System.Net.Http.Json;
using Cms.Application.Complaints;
using Cms.Tests.Api;
using Cms.Tests.Support;
using static Cms.Tests.Api.ApiRequests;

namespace Cms.Tests.Reliability;

/// <summary>
/// reliability.md guarantee 3, end to end and deterministically on PostgreSQL: the service talks to the database through
/// <see cref="PostgresWireProxy"/>, which lets the filing's COMMIT reach the server, waits for the server's answer (so
/// the transaction is committed) and drops both connections before that answer reaches the service. With an
/// Idempotency-Key the service retries, the retry finds the key's recorded answer and replays it: one 201, one complaint,
/// one audit entry. Without a key a retry is not safe (it would file the complaint twice): no retry, 503
/// <c>database.commit_outcome_unknown</c> without Retry-After, and the database holds the committed complaint once with
/// its one audit entry.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class CommitLossTests() : ApiTestBase(DatabaseKind.Postgres)
{
    // Created in BeforeServiceStartsAsync (part of the one-time set-up) and disposed in StopProxyAsync (one-time
    // tear-down); the analyzer does not see the base class's set-up as one.
#pragma warning disable NUnit1032
    private PostgresWireProxy _proxy = null!;
#pragma warning restore NUnit1032

    protected override Task BeforeServiceStartsAsync()
    {
        _proxy = PostgresWireProxy.Start(Db.AppConnectionString, TimeSpan.FromMinutes(5));
        return Task.CompletedTask;
    }

    protected override IReadOnlyDictionary<string, string>? Settings => new Dictionary<string, string>
    {
        ["Cms:Database:ConnectionString"] = _proxy.Through(Db.AppConnectionString),
        ["Cms:Resilience:BreakerBreakDuration"] = "00:00:01",
    };

    [OneTimeTearDown]
    public async Task StopProxyAsync()
    {
        if (_proxy is not null)
        {
            await _proxy.DisposeAsync();
        }
    }

    [SetUp]
    public void Disarm() => Assert.That(_proxy.Armed, Is.False, "a previous test left the proxy armed");

    [Test]
    public async Task A_lost_COMMIT_of_an_idempotent_filing_is_retried_as_a_replay_one_201_one_complaint_one_audit_entry()
    {
        var tenant = await CreateTenantAsync();
        var consumer = await tenant.RegisterConsumerAsync();
        var key = Idempotent.NewKey();
        using var retries = new RetryCounter();

        var dropped = _proxy.Dropped;
        _proxy.Arm("INSERT INTO complaints");
        using var response = await Idempotent.PostAsync(tenant.Admin, "/v1/complaints", Idempotent.Complaint(consumer.Id), key);
        var body = await response.Content.ReadAsStringAsync();

        Assert.That(_proxy.Dropped - dropped, Is.EqualTo(1), "the filing's COMMIT answer was lost");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), body);
        var complaint = (await response.Content.ReadFromJsonAsync<ComplaintDto>(Json))!;
        Assert.Multiple(async () =>
        {
            Assert.That(retries.For("commit_outcome_unknown"), Is.EqualTo(1), "retried once, as a commit of unknown outcome");
            Assert.That(response.Headers.Location?.OriginalString, Does.EndWith($"/v1/complaints/{complaint.Id}"), "the replay carries Location");
            Assert.That(await CountAsync("SELECT count(*) FROM complaints"), Is.EqualTo(1), "exactly one complaint");
            Assert.That(await CountAsync($"SELECT count(*) FROM audit_entries WHERE action = 'complaint.filed' AND entity_id = '{complaint.Id}'"),
                Is.EqualTo(1), "exactly one audit entry");
            Assert.That(await CountAsync("SELECT count(*) FROM audit_entries WHERE action = 'complaint.filed'"), Is.EqualTo(1));
            Assert.That(await CountAsync("SELECT count(*) FROM idempotency_keys WHERE status_code IS NOT NULL AND response_body IS NOT NULL"), Is.EqualTo(1), "the key with its answer");
        });

        // The client repeating the key gets the same answer again; still one complaint.
        using var again = await Idempotent.PostAsync(tenant.Admin, "/v1/complaints", Idempotent.Complaint(consumer.Id), key);
        Assert.That(((int)again.StatusCode, await again.Content.ReadAsStringAsync()), Is.EqualTo((201, body)));
        Assert.That(await CountAsync("SELECT count(*) FROM complaints"), Is.EqualTo(1));
    }

    [Test]
    public async Task A_lost_COMMIT_without_a_key_is_not_retried_and_answers_503_commit_outcome_unknown_with_the_database_consistent()
    {
        var tenant = await CreateTenantAsync();
        var consumer = await tenant.RegisterConsumerAsync();
        using var retries = new RetryCounter();

        var dropped = _proxy.Dropped;
        _proxy.Arm("INSERT INTO complaints");
        using var response = await Idempotent.PostAsync(tenant.Admin, "/v1/complaints", Idempotent.Complaint(consumer.Id), key: null);

        Assert.That(_proxy.Dropped - dropped, Is.EqualTo(1), "the filing's COMMIT answer was lost");
        var problem = await AssertProblemAsync(response, HttpStatusCode.ServiceUnavailable);
        Assert.Multiple(async () =>
        {
            Assert.That(StringOf(problem, "code"), Is.EqualTo("database.commit_outcome_unknown"));
            Assert.That(response.Headers.RetryAfter, Is.Null, "no Retry-After: repeating blindly is what must not happen");
            Assert.That(retries.Total, Is.EqualTo(0), "no retry: a repeat without a key would file the complaint twice");

            // The server had committed: the complaint exists once, with its audit entry; nothing half-written.
            Assert.That(await CountAsync("SELECT count(*) FROM complaints"), Is.EqualTo(1));
            Assert.That(await CountAsync("SELECT count(*) FROM audit_entries WHERE action = 'complaint.filed'"), Is.EqualTo(1));
            Assert.That(await CountAsync(
                "SELECT count(*) FROM complaints c JOIN audit_entries a ON a.entity_id = c.id AND a.action = 'complaint.filed'"), Is.EqualTo(1));
            Assert.That(await CountAsync("SELECT count(*) FROM idempotency_keys"), Is.EqualTo(0));
        });

        // The service is fine afterwards: the next filing goes through the proxy as usual.
        using var next = await Idempotent.PostAsync(tenant.Admin, "/v1/complaints", Idempotent.Complaint(consumer.Id), key: null);
        Assert.That(next.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        Assert.That(await CountAsync("SELECT count(*) FROM complaints"), Is.EqualTo(2));
    }

    [Test]
    public async Task A_lost_COMMIT_of_a_lifecycle_step_is_not_retried_and_the_step_is_made_once()
    {
        var tenant = await CreateTenantAsync();
        var consumer = await tenant.RegisterConsumerAsync();
        var complaint = await tenant.FileComplaintAsync(consumer.Id);
        using var retries = new RetryCounter();

        // Lifecycle steps take no key (If-Match guards them): a lost COMMIT is never retried blindly.
        var dropped = _proxy.Dropped;
        _proxy.Arm("UPDATE complaints");
        using var response = await TransitionAsync(tenant.Admin, complaint.Id, "acknowledge", complaint.Version);

        Assert.That(_proxy.Dropped - dropped, Is.EqualTo(1), "the step's COMMIT answer was lost");
        var problem = await AssertProblemAsync(response, HttpStatusCode.ServiceUnavailable);
        Assert.That(StringOf(problem, "code"), Is.EqualTo("database.commit_outcome_unknown"));
        Assert.That(retries.Total, Is.EqualTo(0));
        var after = await Read<ComplaintDto>(await tenant.Admin.GetAsync($"/v1/complaints/{complaint.Id}"));
        Assert.Multiple(async () =>
        {
            Assert.That(after.Version, Is.EqualTo(complaint.Version + 1), "committed once");
            Assert.That(await CountAsync($"SELECT count(*) FROM audit_entries WHERE entity_id = '{complaint.Id}' AND action = 'complaint.acknowledged'"),
                Is.EqualTo(1));
        });

        // Reading first, as the problem says, the client finds the step made: repeating with the old version is 412.
        using var repeat = await TransitionAsync(tenant.Admin, complaint.Id, "acknowledge", complaint.Version);
        Assert.That(repeat.StatusCode, Is.EqualTo(HttpStatusCode.PreconditionFailed));
    }

    private Task<long> CountAsync(string sql) => Idempotent.CountAsync(Db, sql);
}
