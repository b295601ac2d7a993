using System.Net;
using Cms.Application.Complaints;
using Cms.Tests.Support;
using Npgsql;

namespace Cms.Tests.Api;

/// <summary>
/// The CQRS read side on a real streaming replica (<see cref="StreamingReplica"/>: pg_basebackup -R of the test
/// command's cluster, a hot standby on its own port). The service runs with Cms:Database:ReadConnectionString pointing
/// at the replica. With the replica's replay paused, the replica holds a frozen past: a complaint filed through the API
/// (a command, on the primary) is then absent from the queries (GET routes, on the replica) until replay resumes, while
/// a command that reads it (a lifecycle step) finds it, because every read of a command stays on the primary.
/// </summary>
public sealed class ReadReplicaApiTests() : ApiTestBase(DatabaseKind.Postgres)
{
    private StreamingReplica _replica = null!;
    private string _replicaApp = null!;

    private PostgresTestDatabase Pg => (PostgresTestDatabase)Db;

    protected override async Task BeforeServiceStartsAsync()
    {
        _replica = await StreamingReplica.StartAsync();
        _replicaApp = _replica.AppConnectionString(Pg);
    }

    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["Cms:Database:ReadConnectionString"] = _replicaApp,
    };

    [OneTimeTearDown]
    public async Task StopReplicaAsync()
    {
        if (_replica is not null)
        {
            await _replica.DisposeAsync();
        }
    }

    [TearDown]
    public async Task ResumeAsync() => await _replica.ResumeReplayAsync();

    /// <summary>The application names of cms_app's sessions on a server, for this test database.</summary>
    private static async Task<List<string>> AppSessionsAsync(string adminConnectionString, string database)
    {
        await using var connection = await Connections.OpenAsync(new NpgsqlConnectionStringBuilder(adminConnectionString) { Pooling = false }.ConnectionString);
        await using var command = new NpgsqlCommand(
            "SELECT application_name FROM pg_stat_activity WHERE usename = 'cms_app' AND datname = @db ORDER BY 1", connection);
        command.Parameters.AddWithValue("db", database);
        var names = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }

    [Test]
    public async Task The_replica_is_a_streaming_hot_standby_of_the_primary()
    {
        Assert.That(await _replica.ScalarAsync("SELECT pg_is_in_recovery()"), Is.True);
        Assert.That(await _replica.ScalarAsync("SELECT status FROM pg_stat_wal_receiver"), Is.EqualTo("streaming"));
        await using var primary = await Pg.OpenAdminAsync();
        await using var senders = new NpgsqlCommand("SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'", primary);
        Assert.That(await senders.ExecuteScalarAsync(), Is.GreaterThanOrEqualTo(1L));
    }

    [Test]
    public async Task Queries_are_served_by_the_replica_and_commands_with_their_reads_by_the_primary()
    {
        var tenant = await CreateTenantAsync();
        var consumer = await tenant.RegisterConsumerAsync();
        await _replica.CatchUpAsync();

        await _replica.PauseReplayAsync();

        // Commands: on the primary (the replica could not write, and it is frozen anyway).
        var complaint = await tenant.FileComplaintAsync(consumer.Id);

        // A query: served by the replica, which has not seen the complaint.
        var missing = await tenant.Admin.GetAsync($"/v1/complaints/{complaint.Id}");
        Assert.That(missing.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), "the query read the paused replica");

        // A command that reads the complaint (and returns it): on the primary, so it finds it.
        var acknowledged = await Read<ComplaintDto>(await TransitionAsync(tenant.Admin, complaint.Id, "acknowledge", complaint.Version));
        Assert.That(acknowledged.Status, Is.EqualTo(Cms.Domain.Complaints.ComplaintStatus.Acknowledged));

        // The service's sessions: cms-api(/use case) on the primary, cms-api-read(/use case) on the replica, each only there.
        var onPrimary = await AppSessionsAsync(Pg.AdminConnectionString, Pg.DatabaseName);
        var onReplica = await AppSessionsAsync(_replica.AdminConnectionString(Pg), Pg.DatabaseName);
        Assert.Multiple(() =>
        {
            Assert.That(onPrimary, Has.Some.StartsWith("cms-api").And.None.StartsWith("cms-api-read"));
            Assert.That(onReplica, Is.Not.Empty.And.All.StartsWith("cms-api-read"));
        });

        // Replay resumes: the replica catches up and the query finds the complaint as the last command left it.
        await _replica.ResumeReplayAsync();
        await _replica.CatchUpAsync();
        var found = await tenant.Admin.GetAsync($"/v1/complaints/{complaint.Id}");
        var dto = await Read<ComplaintDto>(found);
        Assert.That(dto.Version, Is.EqualTo(acknowledged.Version));
        Assert.That(found.Headers.ETag?.Tag, Is.EqualTo($"\"{acknowledged.Version}\""));
    }

    [Test]
    public async Task A_stale_etag_read_from_the_replica_cannot_lose_an_update()
    {
        var tenant = await CreateTenantAsync();
        var consumer = await tenant.RegisterConsumerAsync();
        var complaint = await tenant.FileComplaintAsync(consumer.Id);
        await _replica.CatchUpAsync();
        await _replica.PauseReplayAsync();

        // Someone acknowledges it (primary); the replica still serves the old version and ETag.
        await Expect(await TransitionAsync(tenant.Admin, complaint.Id, "acknowledge", complaint.Version), HttpStatusCode.OK);
        var stale = await Read<ComplaintDto>(await tenant.Admin.GetAsync($"/v1/complaints/{complaint.Id}"));
        Assert.That(stale.Version, Is.EqualTo(complaint.Version), "the replica is behind");

        // A write with the stale ETag is checked against the primary: 412, nothing overwritten.
        var conflict = await TransitionAsync(tenant.Admin, complaint.Id, "start", stale.Version);
        Assert.That(conflict.StatusCode, Is.EqualTo(HttpStatusCode.PreconditionFailed));
    }

    [Test]
    public async Task The_replica_session_is_read_only_and_isolated_by_tenant_like_the_primary()
    {
        var a = await CreateTenantAsync("Tenant A");
        var b = await CreateTenantAsync("Tenant B");
        await a.RegisterConsumerAsync();
        await _replica.CatchUpAsync();

        await using var connection = await Connections.OpenAsync(_replicaApp);
        await using (var tx = await connection.BeginTransactionAsync())
        {
            await using var count = new NpgsqlCommand($"SET LOCAL app.tenant_id = '{b.Id:D}'; SELECT count(*) FROM consumers", connection, tx);
            Assert.That(await count.ExecuteScalarAsync(), Is.Zero, "row-level security holds on the replica");
        }

        await using (var tx = await connection.BeginTransactionAsync())
        {
            await using var count = new NpgsqlCommand($"SET LOCAL app.tenant_id = '{a.Id:D}'; SELECT count(*) FROM consumers", connection, tx);
            Assert.That(await count.ExecuteScalarAsync(), Is.EqualTo(1L));
        }

        var refused = await Assert.ThrowsAsync<PostgresException>(async () =>
        {
            await using var write = new NpgsqlCommand("INSERT INTO platform_idempotency_keys (principal, idem_key, request_hash, created_at, expires_at) VALUES ('p', 'k', 'h', now(), now())", connection);
            await write.ExecuteNonQueryAsync();
        });
        Assert.That(refused!.SqlState, Is.EqualTo(PostgresErrorCodes.ReadOnlySqlTransaction));
    }
}
