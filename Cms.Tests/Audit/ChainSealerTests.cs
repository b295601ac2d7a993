using Cms.Application.Abstractions;
using Cms.Application.Audit;
using Cms.Application.Audit.VerifyAuditChain;
using Cms.Domain.Audit;
using Cms.Domain.Common;
using Cms.Domain.Events;
using Cms.Domain.Staff;
using Cms.Infrastructure.Audit;
using Cms.Infrastructure.Persistence;
using Cms.Infrastructure.Webhooks;
using Cms.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Cms.Tests.Audit;

/// <summary>
/// The sealer on PostgreSQL, driven step by step (its worker is off here): a second instance carries on after one is
/// killed in the middle of a batch, only one seals a tenant at a time and nothing is linked twice, an entry edited
/// before it is linked is named, and a transaction that rolls back leaves no position while one that commits after a
/// later-numbered one is still placed.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class ChainSealerTests() : ApiTestBase(DatabaseKind.Postgres)
{
    private static readonly CancellationToken None = CancellationToken.None;

    protected override IReadOnlyDictionary<string, string>? Settings => new Dictionary<string, string> { ["Cms:Sealer:Enabled"] = "false" };

    private ChangeSealer Sealer => Factory.Services.GetRequiredService<ChangeSealer>();

    /// <summary>The sealer of another instance: its own connection pool, the same database and key.</summary>
    private (ChangeSealer Sealer, ServiceProvider Services) OtherInstance()
    {
        var services = new ServiceCollection();
        services.AddSingleton(_ =>
        {
            var builder = new NpgsqlDataSourceBuilder(Db.AppConnectionString);
            builder.ConnectionStringBuilder.ApplicationName = "cms-other-instance";
            return builder.Build();
        });
        var provider = services.BuildServiceProvider();
        return (new ChangeSealer(Factory.Services.GetRequiredService<DatabaseOptions>(), provider, Factory.Services.GetRequiredService<AuditChain>()),
            provider);
    }

    private string Admin => ((PostgresTestDatabase)Db).AdminConnectionString;

    private async Task<long> ScalarAsync(string sql)
    {
        await using var connection = await Connections.OpenAsync(Admin);
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync() ?? 0L, System.Globalization.CultureInfo.InvariantCulture);
    }

    private async Task<AuditVerificationDto> VerifyAsync(TestTenant tenant, HttpClient auditor) =>
        await Read<AuditVerificationDto>(await auditor.GetAsync("/v1/audit/verify"));

    private async Task AssertSealedExactlyOnceAsync(Guid tenantId)
    {
        var t = $"'{tenantId:D}'";
        var entries = await ScalarAsync($"SELECT count(*) FROM audit_entries WHERE tenant_id = {t}");
        Assert.That(await ScalarAsync($"SELECT count(*) FROM audit_entries WHERE tenant_id = {t} AND seq = 0"), Is.Zero, "every entry linked");
        Assert.That(await ScalarAsync($"SELECT count(DISTINCT seq) FROM audit_entries WHERE tenant_id = {t}"), Is.EqualTo(entries), "no link twice");
        Assert.That(await ScalarAsync($"SELECT max(seq) FROM audit_entries WHERE tenant_id = {t}"), Is.EqualTo(entries), "no gap");
        var events = await ScalarAsync($"SELECT count(*) FROM events WHERE tenant_id = {t}");
        Assert.That(await ScalarAsync($"SELECT count(DISTINCT id) FROM events WHERE tenant_id = {t}"), Is.EqualTo(events), "no event placed twice");
        Assert.That(await ScalarAsync($"SELECT coalesce(max(position), 0) FROM events WHERE tenant_id = {t}"), Is.EqualTo(events), "positions 1..N");
        Assert.That(await ScalarAsync($"SELECT count(*) FROM event_outbox WHERE tenant_id = {t}"), Is.Zero);
        Assert.That(await ScalarAsync($"SELECT last_seq FROM audit_chain_heads WHERE tenant_id = {t}"), Is.EqualTo(entries));
        Assert.That(await ScalarAsync($"SELECT last_event_position FROM audit_chain_heads WHERE tenant_id = {t}"), Is.EqualTo(events));
    }

    [Test]
    public async Task A_sealer_killed_in_the_middle_of_a_batch_leaves_nothing_and_another_instance_carries_on()
    {
        var tenant = await CreateTenantAsync();
        var (_, auditor) = await tenant.AddStaffAsync(Role.Auditor);
        var consumer = await tenant.RegisterConsumerAsync();
        await Sealer.SealAsync(tenant.Id, waitForTurn: true, None);
        for (var i = 0; i < 5; i++)
        {
            await tenant.FileComplaintAsync(consumer.Id);
        }

        var placedBefore = await ScalarAsync($"SELECT count(*) FROM events WHERE tenant_id = '{tenant.Id:D}'");
        var (other, provider) = OtherInstance();
        await using var _ = provider;

        // The test holds the chain head's row: the sealer links its batch and places its events, then waits at the head.
        await using var holder = await Connections.OpenAsync(Admin);
        await using var hold = await holder.BeginTransactionAsync();
        await using (var lockHead = new NpgsqlCommand($"SELECT 1 FROM audit_chain_heads WHERE tenant_id = '{tenant.Id:D}' FOR UPDATE", holder, hold))
        {
            await lockHead.ExecuteScalarAsync();
        }

        var holderPid = holder.ProcessID;
        var first = Task.Run(() => Sealer.SealAsync(tenant.Id, waitForTurn: true, None));
        long sealerPid = 0;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((sealerPid = await ScalarAsync($"SELECT coalesce(min(pid), 0) FROM pg_stat_activity WHERE {holderPid} = ANY(pg_blocking_pids(pid))")) == 0)
        {
            Assert.That(first.IsCompleted, Is.False, "the sealer finished without reaching the head");
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), "the sealer never reached the head");
            await Task.Delay(20);
        }

        Assert.That(await other.SealAsync(tenant.Id, waitForTurn: false, None), Is.EqualTo(ChangeSealer.Busy), "one sealer per tenant at a time");

        await ScalarAsync($"SELECT count(*) FROM (SELECT pg_terminate_backend({sealerPid})) AS killed");
        Assert.That(async () => await first, Throws.InstanceOf<NpgsqlException>(), "the first sealer died mid-batch");
        await hold.RollbackAsync();

        Assert.That(await ScalarAsync($"SELECT count(*) FROM audit_entries WHERE tenant_id = '{tenant.Id:D}' AND seq = 0"), Is.GreaterThanOrEqualTo(5),
            "the dead batch linked nothing");
        Assert.That(await ScalarAsync($"SELECT count(*) FROM events WHERE tenant_id = '{tenant.Id:D}'"), Is.EqualTo(placedBefore), "and placed nothing");

        Assert.That(await other.SealAsync(tenant.Id, waitForTurn: false, None), Is.GreaterThan(0), "the other instance carries on");
        await AssertSealedExactlyOnceAsync(tenant.Id);
        var verdict = await VerifyAsync(tenant, auditor);
        Assert.That(verdict.Valid, Is.True, verdict.Problem);
    }

    [Test]
    public async Task Two_instances_sealing_while_writers_write_link_nothing_twice()
    {
        var tenant = await CreateTenantAsync();
        var (_, auditor) = await tenant.AddStaffAsync(Role.Auditor);
        var consumer = await tenant.RegisterConsumerAsync();
        var (other, provider) = OtherInstance();
        await using var _ = provider;
        using var writing = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        var sealedBy = new long[2];
        var busy = 0L;
        async Task SealLoopAsync(ChangeSealer sealer, int index)
        {
            while (!writing.IsCancellationRequested)
            {
                var count = await sealer.SealAsync(tenant.Id, waitForTurn: false, None);
                if (count == ChangeSealer.Busy)
                {
                    Interlocked.Increment(ref busy);
                }
                else
                {
                    Interlocked.Add(ref sealedBy[index], count);
                }
            }
        }

        var sealers = new[] { Task.Run(() => SealLoopAsync(Sealer, 0)), Task.Run(() => SealLoopAsync(other, 1)) };
        var writers = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            while (!writing.IsCancellationRequested)
            {
                await tenant.FileComplaintAsync(consumer.Id);
            }
        })).ToList();
        await Task.WhenAll(writers.Concat(sealers));
        await other.SealAsync(tenant.Id, waitForTurn: true, None);

        TestContext.Out.WriteLine($"sealed by the first instance {sealedBy[0]}, by the second {sealedBy[1]}, busy answers {busy}");
        Assert.That(sealedBy[0] + sealedBy[1], Is.GreaterThan(0));
        await AssertSealedExactlyOnceAsync(tenant.Id);
        var verdict = await VerifyAsync(tenant, auditor);
        Assert.That(verdict.Valid, Is.True, verdict.Problem);
    }

    [Test]
    public async Task An_entry_edited_before_it_is_linked_is_named_before_and_after_linking()
    {
        var tenant = await CreateTenantAsync();
        var (_, auditor) = await tenant.AddStaffAsync(Role.Auditor);
        var consumer = await tenant.RegisterConsumerAsync();
        await tenant.FileComplaintAsync(consumer.Id);
        var victim = Guid.Parse((await ScalarTextAsync(
            $"SELECT id::text FROM audit_entries WHERE tenant_id = '{tenant.Id:D}' AND action = 'complaint.filed' AND seq = 0"))!);
        Assert.That((await VerifyAsync(tenant, auditor)).Valid, Is.True, "untouched, not linked yet: valid");

        await using (var connection = await Connections.OpenAsync(Admin))
        {
            await using var tamper = new NpgsqlCommand(
                $"SET session_replication_role = replica; UPDATE audit_entries SET actor_id = 'someone-else' WHERE id = '{victim:D}'", connection);
            await tamper.ExecuteNonQueryAsync();
        }

        var unlinked = await VerifyAsync(tenant, auditor);
        Assert.That(unlinked.Valid, Is.False);
        Assert.That(unlinked.FirstBrokenEntryId, Is.EqualTo(victim));
        Assert.That(unlinked.Problem, Does.Contain("not linked"));

        await Sealer.SealAsync(tenant.Id, waitForTurn: true, None);
        var linked = await VerifyAsync(tenant, auditor);
        Assert.That(linked.Valid, Is.False);
        Assert.That(linked.FirstBrokenEntryId, Is.EqualTo(victim), "linked with the HMAC it was written with, the edit still shows");
    }

    [Test]
    public async Task A_rolled_back_transaction_leaves_no_position_and_one_committing_after_a_later_one_is_placed_after_it()
    {
        var tenant = await CreateTenantAsync();
        await Sealer.SealAsync(tenant.Id, waitForTurn: true, None);
        var before = await ScalarAsync($"SELECT last_event_position FROM audit_chain_heads WHERE tenant_id = '{tenant.Id:D}'");

        var early = await OpenWriteAsync(tenant.Id);    // takes the lower write_id, commits last
        var later = await OpenWriteAsync(tenant.Id);
        var rolledBack = await OpenWriteAsync(tenant.Id);
        await later.Scope.ServiceProvider.GetRequiredService<IUnitOfWork>().CommitAsync(None);
        await rolledBack.Scope.ServiceProvider.GetRequiredService<IUnitOfWork>().RollbackAsync(None);
        await Sealer.SealAsync(tenant.Id, waitForTurn: true, None);
        Assert.That(await PositionOfAsync(tenant.Id, later.Change.Id), Is.EqualTo(before + 1), "the committed one is placed; the open one is not skipped over for good");
        Assert.That(await PositionOfAsync(tenant.Id, early.Change.Id), Is.Null, "not committed: no position visible");

        await early.Scope.ServiceProvider.GetRequiredService<IUnitOfWork>().CommitAsync(None);
        await Sealer.SealAsync(tenant.Id, waitForTurn: true, None);
        Assert.That(await PositionOfAsync(tenant.Id, early.Change.Id), Is.EqualTo(before + 2), "committed after the later one: placed after it");
        Assert.That(await PositionOfAsync(tenant.Id, rolledBack.Change.Id), Is.Null, "rolled back: never a position");
        Assert.That(await ScalarAsync($"SELECT last_event_position FROM audit_chain_heads WHERE tenant_id = '{tenant.Id:D}'"), Is.EqualTo(before + 2));
        Assert.That(await ScalarAsync($"SELECT count(*) FROM audit_entries WHERE id = '{rolledBack.Entry.Id:D}'"), Is.Zero);
        await AssertSealedExactlyOnceAsync(tenant.Id);
        await early.Scope.DisposeAsync();
        await later.Scope.DisposeAsync();
        await rolledBack.Scope.DisposeAsync();
    }

    [Test]
    public async Task A_tenant_with_nothing_waiting_costs_no_write()
    {
        var tenant = await CreateTenantAsync();
        var consumer = await tenant.RegisterConsumerAsync();
        await Sealer.SealAsync(tenant.Id, waitForTurn: true, None);

        // With nothing to link or place, neither function runs: the batch works with both refused to the service.
        const string Functions = "link_audit_entries(uuid[], timestamptz[], bigint[], text[], text[]), place_outbox_events(bigint, integer)";
        var app = new NpgsqlConnectionStringBuilder(Db.AppConnectionString).Username;
        await ScalarAsync($"REVOKE EXECUTE ON FUNCTION {Functions} FROM \"{app}\"");
        try
        {
            Assert.That(await Sealer.SealAsync(tenant.Id, waitForTurn: true, None), Is.Zero);
        }
        finally
        {
            await ScalarAsync($"GRANT EXECUTE ON FUNCTION {Functions} TO \"{app}\"");
        }

        await tenant.FileComplaintAsync(consumer.Id);
        Assert.That(await Sealer.SealAsync(tenant.Id, waitForTurn: true, None), Is.EqualTo(2), "its entry and its event");
        await AssertSealedExactlyOnceAsync(tenant.Id);
    }

    [Test]
    public async Task A_webhook_pass_seals_only_the_tenants_with_an_endpoint_due()
    {
        var tenant = await CreateTenantAsync();
        var consumer = await tenant.RegisterConsumerAsync();
        await Sealer.SealAsync(tenant.Id, waitForTurn: true, None);

        // This tenant has no endpoint: the pass leaves its filing to the sealer.
        await tenant.FileComplaintAsync(consumer.Id);
        await Factory.Services.GetRequiredService<WebhookDispatcher>().RunOnceAsync(None);
        Assert.That(await ScalarAsync($"SELECT count(*) FROM event_outbox WHERE tenant_id = '{tenant.Id:D}'"), Is.EqualTo(1));
        Assert.That(await Sealer.SealAsync(tenant.Id, waitForTurn: true, None), Is.EqualTo(2), "its entry and its event, at once");
        await AssertSealedExactlyOnceAsync(tenant.Id);
    }

    private sealed record OpenWrite(AsyncServiceScope Scope, AuditEntry Entry, ChangeEvent Change);

    /// <summary>A unit of work that has written an audit entry and an event and is still open.</summary>
    private async Task<OpenWrite> OpenWriteAsync(Guid tenantId)
    {
        var scope = Factory.Services.CreateAsyncScope();
        var sp = scope.ServiceProvider;
        sp.GetRequiredService<TenantScope>().Enter(tenantId);
        await sp.GetRequiredService<IUnitOfWork>().BeginAsync(None);
        var now = AuditChain.Normalise(DateTimeOffset.UtcNow);
        var entityId = Ids.New();
        var entry = new AuditEntry(Ids.New(), tenantId, now, ActorType.Staff, "staff-1", "complaint.acknowledged", "complaint", entityId, ["status"], null);
        var change = new ChangeEvent(Ids.New(), tenantId, "complaint.acknowledged", "complaint", entityId, 2, now, ["status"]);
        await sp.GetRequiredService<IAuditRepository>().AppendAsync(entry, None);
        await sp.GetRequiredService<IEventOutbox>().AppendAsync(change, None);
        return new OpenWrite(scope, entry, change);
    }

    private async Task<long?> PositionOfAsync(Guid tenantId, Guid eventId)
    {
        var text = await ScalarTextAsync($"SELECT position::text FROM events WHERE tenant_id = '{tenantId:D}' AND id = '{eventId:D}'");
        return text is null ? null : long.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
    }

    private async Task<string?> ScalarTextAsync(string sql)
    {
        await using var connection = await Connections.OpenAsync(Admin);
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync() as string;
    }
}
