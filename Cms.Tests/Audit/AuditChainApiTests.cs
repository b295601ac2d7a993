using System.Data.Common;
using System.Net;
using Cms.Application.Audit.VerifyAuditChain;
using Cms.Domain.Staff;
using Cms.Tests.Support;
using Npgsql;

namespace Cms.Tests.Audit;

/// <summary>
/// security.md 7–8: the audit trail is one HMAC chain per tenant. Entries are tampered with directly in the database
/// (as a superuser on PostgreSQL, bypassing the append-only trigger as an attacker with full access could) and the
/// verifier must find each kind of tampering and name the first broken entry.
/// </summary>
[TestFixture(DatabaseKind.Sqlite)]
[TestFixture(DatabaseKind.Postgres)]
public sealed class AuditChainApiTests(DatabaseKind kind) : ApiTestBase(kind)
{
    private HttpClient _auditor = null!;
    private TestTenant _tenant = null!;

    [SetUp]
    public async Task SeedAsync()
    {
        _tenant = await CreateTenantAsync();
        (_, _auditor) = await _tenant.AddStaffAsync(Role.Auditor);
        var consumer = await _tenant.RegisterConsumerAsync();
        var complaint = await _tenant.FileComplaintAsync(consumer.Id);
        await Expect(await TransitionAsync(_tenant.Admin, complaint.Id, "acknowledge", complaint.Version), HttpStatusCode.OK);
        await SealAsync(_tenant.Id);
    }

    private async Task<AuditVerificationDto> VerifyAsync(HttpClient? client = null) =>
        await Read<AuditVerificationDto>(await (client ?? _auditor).GetAsync("/v1/audit/verify"));

    private async Task<List<(Guid Id, long Seq)>> ChainAsync(Guid tenantId)
    {
        await using var connection = Db.OpenPrivileged();
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT id, seq FROM audit_entries WHERE tenant_id = {Literal(tenantId)} ORDER BY seq";
        var chain = new List<(Guid, long)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            chain.Add((reader.GetFieldValue<object>(0) is Guid g ? g : Guid.Parse(reader.GetString(0)), reader.GetInt64(1)));
        }

        return chain;
    }

    /// <summary>Runs SQL as the most privileged user, with the append-only trigger out of the way (PostgreSQL).</summary>
    private async Task TamperAsync(string sql)
    {
        await using var connection = Db.OpenPrivileged();
        if (Kind == DatabaseKind.Postgres)
        {
            await ExecuteAsync(connection, "SET session_replication_role = replica");
        }

        await ExecuteAsync(connection, sql);
    }

    private static async Task ExecuteAsync(DbConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    private string Literal(Guid id) => $"'{id:D}'";

    [Test]
    public async Task An_untouched_chain_is_valid_and_counts_every_entry()
    {
        var chain = await ChainAsync(_tenant.Id);
        var result = await VerifyAsync();

        Assert.That(result, Is.EqualTo(new AuditVerificationDto(true, chain.Count, null, null)));
        Assert.That(chain.Select(c => c.Seq), Is.EqualTo(Enumerable.Range(1, chain.Count).Select(i => (long)i)), "one linear chain 1..n");
    }

    [Test]
    public async Task An_edited_entry_is_found()
    {
        var chain = await ChainAsync(_tenant.Id);
        var victim = chain[2];
        await TamperAsync($"UPDATE audit_entries SET action = 'consumer.viewed' WHERE id = {Literal(victim.Id)}");

        var result = await VerifyAsync();

        Assert.That(result.Valid, Is.False);
        Assert.That(result.FirstBrokenEntryId, Is.EqualTo(victim.Id));
        Assert.That(result.Problem, Does.Contain("edited"));
    }

    [Test]
    public async Task A_deleted_entry_is_found_at_the_entry_after_it()
    {
        var chain = await ChainAsync(_tenant.Id);
        await TamperAsync($"DELETE FROM audit_entries WHERE id = {Literal(chain[2].Id)}");

        var result = await VerifyAsync();

        Assert.That(result.Valid, Is.False);
        Assert.That(result.FirstBrokenEntryId, Is.EqualTo(chain[3].Id));
    }

    [Test]
    public async Task A_deleted_last_entry_is_found_against_the_chain_head()
    {
        var chain = await ChainAsync(_tenant.Id);
        await TamperAsync($"DELETE FROM audit_entries WHERE id = {Literal(chain[^1].Id)}");

        var result = await VerifyAsync();

        Assert.That(result.Valid, Is.False);
        Assert.That(result.Problem, Does.Contain("removed"));
    }

    [Test]
    public async Task An_inserted_entry_is_found()
    {
        var chain = await ChainAsync(_tenant.Id);
        var forged = Guid.NewGuid();
        var columns = "tenant_id, id, occurred_at, actor_type, actor_id, action, entity_type, entity_id, changed_fields, trace_id, seq, prev_hash, hash";
        await TamperAsync($"""
            INSERT INTO audit_entries ({columns})
            SELECT tenant_id, {Literal(forged)}, occurred_at, actor_type, actor_id, 'complaint.closed', entity_type, entity_id,
                   changed_fields, trace_id, seq, prev_hash, hash
            FROM audit_entries WHERE id = {Literal(chain[^1].Id)}
            """);
        await TamperAsync($"UPDATE audit_entries SET seq = seq + 1 WHERE id = {Literal(forged)}");

        var result = await VerifyAsync();

        Assert.That(result.Valid, Is.False);
        Assert.That(result.FirstBrokenEntryId, Is.EqualTo(forged));
    }

    [Test]
    public async Task Reordered_entries_are_found()
    {
        var chain = await ChainAsync(_tenant.Id);
        var (second, third) = (chain[1], chain[2]);
        await TamperAsync($"UPDATE audit_entries SET seq = -1 WHERE id = {Literal(second.Id)}");
        await TamperAsync($"UPDATE audit_entries SET seq = {second.Seq} WHERE id = {Literal(third.Id)}");
        await TamperAsync($"UPDATE audit_entries SET seq = {third.Seq} WHERE id = {Literal(second.Id)}");

        var result = await VerifyAsync();

        Assert.That(result.Valid, Is.False);
        Assert.That(result.FirstBrokenEntryId, Is.EqualTo(third.Id), "the entry now standing second is the first that does not fit");
    }

    [Test]
    public async Task Tampering_with_one_tenant_leaves_another_tenants_chain_valid()
    {
        var other = await CreateTenantAsync("Other Bank");
        var (_, otherAuditor) = await other.AddStaffAsync(Role.Auditor);
        await other.RegisterConsumerAsync();
        var chain = await ChainAsync(_tenant.Id);
        await TamperAsync($"UPDATE audit_entries SET actor_id = 'someone-else' WHERE id = {Literal(chain[0].Id)}");

        Assert.That((await VerifyAsync()).Valid, Is.False);
        Assert.That((await VerifyAsync(otherAuditor)).Valid, Is.True);
    }

    [Test]
    public async Task Concurrent_writers_of_one_tenant_still_produce_one_linear_chain()
    {
        var (_, agent) = await _tenant.AddStaffAsync(Role.Agent);
        await Task.WhenAll(Enumerable.Range(0, 24).Select(i => _tenant.RegisterConsumerAsync(i % 2 == 0 ? agent : _tenant.Admin)));
        await SealAsync(_tenant.Id);

        var chain = await ChainAsync(_tenant.Id);
        var result = await VerifyAsync();

        Assert.That(result, Is.EqualTo(new AuditVerificationDto(true, chain.Count, null, null)));
        Assert.That(chain.Select(c => c.Seq), Is.EqualTo(Enumerable.Range(1, chain.Count).Select(i => (long)i)));
    }

    [Test]
    public async Task Only_auditors_verify()
    {
        var response = await _tenant.Admin.GetAsync("/v1/audit/verify");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
    }
}

/// <summary>security.md 7 on PostgreSQL: the audit table refuses UPDATE, DELETE and TRUNCATE to everyone.</summary>
[TestFixture(DatabaseKind.Postgres)]
public sealed class AuditAppendOnlyTests(DatabaseKind kind) : ApiTestBase(kind)
{
    private HttpClient _auditor = null!;
    private TestTenant _tenant = null!;

    [SetUp]
    public async Task SeedAsync()
    {
        _tenant = await CreateTenantAsync();
        (_, _auditor) = await _tenant.AddStaffAsync(Role.Auditor);
        await _tenant.RegisterConsumerAsync();
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    [Test]
    public async Task The_append_only_trigger_refuses_even_the_owner_and_a_superuser()
    {
        var pg = (PostgresTestDatabase)Db;
        foreach (var connectionString in new[] { pg.AdminConnectionString, pg.OwnerConnectionString })
        {
            await using var connection = await Connections.OpenAsync(connectionString);
            // The owner sees rows only through the policy: enter the tenant so its statements reach rows at all.
            await ExecuteAsync(connection, $"SET app.tenant_id = '{_tenant.Id:D}'");
            foreach (var sql in new[] { "UPDATE audit_entries SET action = 'x'", "DELETE FROM audit_entries", "TRUNCATE audit_entries" })
            {
                var refused = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connection, sql));
                Assert.That(refused!.SqlState, Is.EqualTo(PostgresErrorCodes.InsufficientPrivilege), sql);
            }
        }

        Assert.That((await Read<AuditVerificationDto>(await _auditor.GetAsync("/v1/audit/verify"))).Valid, Is.True);
    }
}
