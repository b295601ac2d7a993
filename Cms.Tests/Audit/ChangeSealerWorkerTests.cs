using Cms.Api;
using Cms.Infrastructure.Audit;
using Cms.Infrastructure.Persistence;
using Cms.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Cms.Tests.Audit;

/// <summary>
/// The sealer's worker on PostgreSQL (the host's own worker is off here; the test runs one with timers it fires itself):
/// after sealing what was signalled it pauses, so commits made meanwhile wait for the pause and go in one batch.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class ChangeSealerWorkerTests() : ApiTestBase(DatabaseKind.Postgres)
{
    private static readonly CancellationToken None = CancellationToken.None;

    protected override IReadOnlyDictionary<string, string>? Settings => new Dictionary<string, string> { ["Cms:Sealer:Enabled"] = "false" };

    [Test]
    public async Task After_sealing_what_was_signalled_the_worker_pauses_and_what_commits_meanwhile_waits_for_the_pause()
    {
        var tenant = await CreateTenantAsync();
        var consumer = await tenant.RegisterConsumerAsync();
        var timers = new ManualTimers();
        var signal = new ChangeSealerSignal(); // the worker's own: only this test's signals reach it
        var options = new ChangeSealerOptions { SweepInterval = TimeSpan.FromHours(1), SignalPause = TimeSpan.FromMinutes(1) };
        var worker = new ChangeSealerWorker(Factory.Services.GetRequiredService<ChangeSealer>(), signal,
            Factory.Services.GetRequiredService<DatabaseOptions>(), options, NullLogger<ChangeSealerWorker>.Instance, timers);
        await worker.StartAsync(None);
        try
        {
            await UntilAsync(async () => await UnlinkedAsync(tenant.Id) == 0); // its first sweep (a sweep never pauses)
            Assert.That(timers.Pending, Is.Zero);

            await tenant.FileComplaintAsync(consumer.Id);
            signal.Notify(tenant.Id); // sealed at once, then the pause
            await UntilAsync(async () => await UnlinkedAsync(tenant.Id) == 0);
            await UntilAsync(() => Task.FromResult(timers.Pending == 1));

            await tenant.FileComplaintAsync(consumer.Id);
            await tenant.FileComplaintAsync(consumer.Id);
            signal.Notify(tenant.Id);
            Assert.That(await UnlinkedAsync(tenant.Id), Is.EqualTo(2), "signalled during the pause: they wait for it");

            timers.FireAll();
            await UntilAsync(async () => await UnlinkedAsync(tenant.Id) == 0);
        }
        finally
        {
            await worker.StopAsync(None);
            worker.Dispose();
        }
    }

    private async Task<long> UnlinkedAsync(Guid tenantId)
    {
        await using var connection = await Connections.OpenAsync(((PostgresTestDatabase)Db).AdminConnectionString);
        await using var command = new NpgsqlCommand($"SELECT count(*) FROM audit_entries WHERE tenant_id = '{tenantId:D}' AND seq = 0", connection);
        return (long)(await command.ExecuteScalarAsync() ?? 0L);
    }

    /// <summary>Polls <paramref name="condition"/> until it holds (bounded: fails after 120 s; the first sweep covers every tenant of the shared database).</summary>
    private static async Task UntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (!await condition())
        {
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), "the condition never held");
            await Task.Delay(20);
        }
    }
}
