using System.Net.Http.Json;
using Cms.Application.Abstractions;
using Cms.Application.Events;
using Cms.Domain.Common;
using Cms.Domain.Events;
using Cms.Infrastructure.Audit;
using Cms.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Cms.Tests.Events;

/// <summary>
/// PostgreSQL: events is partitioned by month (migration EventsPartitioned), with the audit trail's partition machinery
/// generalised to both tables. Events are appended through the real outbox (as cms_app under row-level security) at
/// chosen instants on both sides of month boundaries and read back through the real feed query. Also: a month without
/// a partition refuses the event and loses nothing; the one service function keeps both tables ahead within its bound;
/// every new partition carries the autovacuum settings of an insert-only table (which the partitioned parent refuses);
/// the migration moves existing events into partitions and its Down moves them back.
/// </summary>
public sealed partial class EventPartitionTests : HostlessTests<PostgresTestDatabase>
{
    protected override Task<PostgresTestDatabase> CreateDatabaseAsync() => PostgresTestDatabase.CreateAsync();

    private static DateTimeOffset MonthStart(int monthsFromNow)
    {
        var now = DateTimeOffset.UtcNow;
        return new DateTimeOffset(now.Year, now.Month, 1, 0, 0, 0, TimeSpan.Zero).AddMonths(monthsFromNow);
    }

    private static string PartitionOf(DateTimeOffset instant, string table = "events") => $"{table}_p{instant:yyyy_MM}";

    private static ChangeEvent Event(Guid tenantId, DateTimeOffset at) =>
        new(Ids.New(), tenantId, "complaint.acknowledged", "complaint", Guid.NewGuid(), 2, at, ["status"]);

    /// <summary>Appends through the outbox, then seals (the sealer gives the position and writes the partitioned table).</summary>
    private async Task<long> AppendAsync(ChangeEvent change)
    {
        await InTenantAsync(change.TenantId, sp => sp.GetRequiredService<IEventOutbox>().AppendAsync(change, Ct));
        await Services.GetRequiredService<ChangeSealer>().SealAsync(change.TenantId, waitForTurn: true, Ct);
        return (await FeedAsync(change.TenantId, 0, 10_000)).Single(e => e.Id == change.Id).Position;
    }

    private Task<IReadOnlyList<Cms.Application.Events.EventDto>> FeedAsync(Guid tenantId, long after, int take) =>
        InTenantAsync(tenantId, sp => sp.GetRequiredService<IEventQueries>().ListAsync(after, take, Ct), commit: false);

    private async Task<List<ChangeEvent>> AcrossBoundariesAsync(Guid tenantId)
    {
        var events = new List<ChangeEvent>
        {
            Event(tenantId, MonthStart(1).AddTicks(-10)),
            Event(tenantId, MonthStart(1)),
            Event(tenantId, MonthStart(1).AddDays(9)),
            Event(tenantId, MonthStart(2).AddTicks(-10)),
            Event(tenantId, MonthStart(2).AddTicks(10)),
        };
        foreach (var change in events)
        {
            await AppendAsync(change);
        }

        return events;
    }

    private Task<NpgsqlConnection> AdminAsync(string? connectionString = null) =>
        Connections.OpenAsync(connectionString ?? Db.AdminConnectionString);

    private static async Task<Dictionary<Guid, string>> PartitionsOfEventsAsync(NpgsqlConnection admin)
    {
        await using var command = new NpgsqlCommand("SELECT id, tableoid::regclass::text FROM events", admin);
        await using var reader = await command.ExecuteReaderAsync();
        var map = new Dictionary<Guid, string>();
        while (await reader.ReadAsync())
        {
            map[reader.GetGuid(0)] = reader.GetString(1);
        }

        return map;
    }

    /// <summary>Every partition of <paramref name="table"/> with its bound and its storage parameters.</summary>
    private static async Task<Dictionary<string, (string Bound, string[] Options)>> PartitionsAsync(NpgsqlConnection admin, string table)
    {
        await using var command = new NpgsqlCommand(
            """
            SELECT c.relname, pg_get_expr(c.relpartbound, c.oid), coalesce(c.reloptions, '{}')
            FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
            WHERE i.inhparent = to_regclass('public.' || @table) ORDER BY c.relname
            """, admin);
        command.Parameters.AddWithValue("table", table);
        var partitions = new Dictionary<string, (string, string[])>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            partitions[reader.GetString(0)] = (reader.GetString(1), reader.GetFieldValue<string[]>(2));
        }

        return partitions;
    }

    private static readonly string[] StorageParameters = ["autovacuum_vacuum_insert_scale_factor=0.005", "autovacuum_freeze_min_age=0"];

    [Test]
    public async Task Events_is_a_partitioned_table_keyed_by_tenant_position_and_month_with_no_default_partition()
    {
        await using var admin = await Db.OpenAdminAsync();
        await using (var command = new NpgsqlCommand(
            """
            SELECT c.relkind::text, pg_get_partkeydef(c.oid),
                   (SELECT pg_get_constraintdef(k.oid) FROM pg_constraint k WHERE k.conrelid = c.oid AND k.contype = 'p')
            FROM pg_class c WHERE c.oid = 'public.events'::regclass
            """, admin))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            Assert.That(await reader.ReadAsync(), Is.True);
            Assert.Multiple(() =>
            {
                Assert.That(reader.GetString(0), Is.EqualTo("p"));
                Assert.That(reader.GetString(1), Is.EqualTo("RANGE (occurred_at)"));
                Assert.That(reader.GetString(2), Is.EqualTo("PRIMARY KEY (tenant_id, \"position\", occurred_at)"));
            });
        }

        var partitions = await PartitionsAsync(admin, "events");
        Assert.That(partitions.Keys, Is.SupersetOf(Enumerable.Range(0, 4).Select(m => PartitionOf(MonthStart(m)))),
            "the migration made the current month and three ahead");
        Assert.That(partitions.Values.Select(p => p.Bound), Has.None.EqualTo("DEFAULT"));
        Assert.That(partitions[PartitionOf(MonthStart(1))].Bound,
            Is.EqualTo($"FOR VALUES FROM ('{MonthStart(1):yyyy-MM-dd} 00:00:00+00') TO ('{MonthStart(2):yyyy-MM-dd} 00:00:00+00')"));
    }

    [Test]
    public async Task Events_land_in_the_partition_of_their_month_and_the_feed_reads_across_them_in_position_order()
    {
        var tenantId = await CreateTenantAsync("Partitioned Feed Bank");
        var events = await AcrossBoundariesAsync(tenantId);

        await using (var admin = await Db.OpenAdminAsync())
        {
            var partitions = await PartitionsOfEventsAsync(admin);
            Assert.That(events.Select(e => partitions[e.Id]),
                Is.EqualTo(new[] { MonthStart(0), MonthStart(1), MonthStart(1), MonthStart(1), MonthStart(2) }.Select(m => PartitionOf(m))));
        }

        var first = await FeedAsync(tenantId, 0, 3);
        var rest = await FeedAsync(tenantId, first[^1].Position, 10);
        Assert.That(first.Concat(rest).Select(e => e.Id), Is.EqualTo(events.Select(e => e.Id)), "keyset reading runs across partitions");
        Assert.That(first.Concat(rest).Select(e => e.Position), Is.EqualTo(Enumerable.Range(1, events.Count).Select(i => (long)i)));
    }

    [Test]
    public async Task A_month_without_a_partition_refuses_the_event_and_loses_nothing()
    {
        var tenantId = await CreateTenantAsync("Partitioned Feed Bank");
        var events = await AcrossBoundariesAsync(tenantId);
        var farAhead = MonthStart(60).AddDays(3);

        // The writer's outbox row commits; the sealer cannot place it until the month exists, and keeps it until then.
        var early = Event(tenantId, farAhead);
        var cause = await Assert.ThrowsAsync<PostgresException>(() => AppendAsync(early));
        Assert.That(cause?.SqlState, Is.EqualTo(PostgresErrorCodes.CheckViolation));
        Assert.That(cause!.MessageText, Does.Contain("no partition of relation \"events\""));
        Assert.That((await FeedAsync(tenantId, 0, 100)).Count, Is.EqualTo(events.Count), "nothing was added");

        await using (var owner = await AdminAsync(Db.OwnerConnectionString))
        {
            await using var create = new NpgsqlCommand("SELECT create_monthly_partitions('events', @at, @at)", owner);
            create.Parameters.AddWithValue("at", farAhead);
            Assert.That(await create.ExecuteScalarAsync(), Is.EqualTo(1));
        }

        var late = Event(tenantId, farAhead);
        var position = await AppendAsync(late);
        Assert.That(position, Is.EqualTo(events.Count + 2L), "the waiting event was placed first, then the later one: no gap, nothing lost");
        Assert.That((await FeedAsync(tenantId, events.Count, 1)).Single().Id, Is.EqualTo(early.Id));
        await using var admin = await Db.OpenAdminAsync();
        Assert.That((await PartitionsOfEventsAsync(admin))[late.Id], Is.EqualTo(PartitionOf(farAhead)));
    }
}

/// <summary>
/// A change whose event has no month partition, through the API: the writer puts its event into the outbox, so the
/// change commits (its audit entry's month exists); the event waits there, unplaced and invisible to the feed, until
/// the month is back, and is then placed: nothing lost, nothing out of order.
/// </summary>
public sealed class EventPartitionApiTests() : ApiTestBase(DatabaseKind.Postgres)
{
    [Test]
    public async Task A_change_whose_event_month_has_no_partition_commits_and_its_event_waits_until_the_month_exists()
    {
        var tenant = await CreateTenantAsync("Partitioned Feed Bank");
        var pg = (PostgresTestDatabase)Db;
        var now = DateTimeOffset.UtcNow;
        var month = new DateTimeOffset(now.Year, now.Month, 1, 0, 0, 0, TimeSpan.Zero);
        var partition = $"events_p{month:yyyy_MM}";

        async Task<long> ScalarAsync(string sql)
        {
            await using var connection = await pg.OpenAdminAsync();
            await using var command = new NpgsqlCommand(sql, connection);
            command.Parameters.AddWithValue("t", tenant.Id);
            return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
        }

        await SealAsync(tenant.Id);
        var eventsBefore = await ScalarAsync("SELECT count(*) FROM events WHERE tenant_id = @t");
        await ScalarAsync($"ALTER TABLE events DETACH PARTITION {partition}");
        try
        {
            await Expect(await tenant.Admin.PostAsJsonAsync("/v1/consumers", new { externalRef = "EXT-1", fullName = "Jane Consumer" }, Json),
                System.Net.HttpStatusCode.Created);
            Assert.That(await ScalarAsync("SELECT count(*) FROM consumers WHERE tenant_id = @t"), Is.EqualTo(1L));
            Assert.That(async () => await SealAsync(tenant.Id), Throws.InstanceOf<PostgresException>(), "the sealer cannot place it yet");
            Assert.That(await ScalarAsync("SELECT count(*) FROM event_outbox WHERE tenant_id = @t"), Is.EqualTo(1L), "the event waits");
        }
        finally
        {
            await ScalarAsync(
                $"ALTER TABLE events ATTACH PARTITION {partition} FOR VALUES FROM ('{month:yyyy-MM-dd} 00:00:00+00') TO ('{month.AddMonths(1):yyyy-MM-dd} 00:00:00+00')");
        }

        await SealAsync(tenant.Id);
        Assert.That(await ScalarAsync("SELECT count(*) FROM event_outbox WHERE tenant_id = @t"), Is.Zero);
        Assert.That(await ScalarAsync("SELECT count(*) FROM events WHERE tenant_id = @t"), Is.EqualTo(eventsBefore + 1), "placed once the month is back");
    }
}
