using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Cms.Tests.Api;
using Cms.Tests.Support;
using Npgsql;

namespace Cms.Tests.Reliability;

/// <summary>
/// A bounded burst of complaint filings by a well-behaved client: every filing has its own Idempotency-Key and is sent
/// again, with the same key, after a 503 (honouring Retry-After, capped), a 409 (the key still in flight) or a transport
/// error, until it gets a 2xx or the deadline passes. Records which keys were acknowledged with which complaint.
/// </summary>
internal sealed class FilingBurst(Func<HttpClient> client, Guid consumerId)
{
    public ConcurrentDictionary<string, Guid> Acknowledged { get; } = new();

    /// <summary>Keys that never got a 2xx before the deadline.</summary>
    public ConcurrentBag<string> Unresolved { get; } = [];

    /// <summary>Answers a well-behaved client does not expect (anything but 2xx, 409, 503): status and body.</summary>
    public ConcurrentBag<string> Unexpected { get; } = [];

    /// <summary>503 answers seen (the database was unreachable or the breaker open).</summary>
    public int ServiceUnavailable => _unavailable;

    public int TransportErrors => _transport;

    /// <summary>When each 2xx arrived (the burst's clock, <see cref="Clock"/>).</summary>
    public ConcurrentBag<TimeSpan> AcknowledgedAt { get; } = [];

    /// <summary>The problem code of each 503 (database.circuit_open, database.unavailable).</summary>
    public ConcurrentBag<string> UnavailableCodes { get; } = [];

    /// <summary>When each 503 arrived.</summary>
    public ConcurrentBag<TimeSpan> UnavailableAt { get; } = [];

    /// <summary>The burst's clock, started with the burst object; a test reads it to place its fault on the same line.</summary>
    public Stopwatch Clock { get; } = Stopwatch.StartNew();

    /// <summary>The longest time between two consecutive 2xx answers (or from <paramref name="from"/> to the first after it).</summary>
    public TimeSpan LongestWithout2xx(TimeSpan from)
    {
        var times = AcknowledgedAt.Where(t => t >= from).Order().Prepend(from).ToList();
        return times.Zip(times.Skip(1), (a, b) => b - a).DefaultIfEmpty(TimeSpan.Zero).Max();
    }

    private int _unavailable;
    private int _transport;
    private int _sent;

    /// <summary>One HTTP attempt of a filing: its answer's status, or the transport error that replaced it.</summary>
    public sealed class Attempt(string key)
    {
        public string Key { get; } = key;

        public int? Status { get; set; }

        public string? TransportError { get; set; }

        /// <summary>Completes when the attempt has its answer or its error.</summary>
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override string ToString() => $"{Key}: {(Status is { } status ? status.ToString(CultureInfo.InvariantCulture) : "no answer")}" +
                                             (TransportError is null ? "" : $" ({TransportError})");
    }

    private readonly ConcurrentDictionary<Attempt, byte> _inFlight = new();

    /// <summary>The attempts sent and not yet answered at this moment (e.g. when the test sends SIGTERM).</summary>
    public IReadOnlyList<Attempt> InFlight() => [.. _inFlight.Keys];

    /// <summary>How many filings have been sent at least once (lets a test time its fault to land mid-burst).</summary>
    public int Sent => Volatile.Read(ref _sent);

    public async Task RunAsync(int count, int concurrency, TimeSpan deadline)
    {
        using var gate = new SemaphoreSlim(concurrency);
        var until = DateTime.UtcNow + deadline;
        var filings = Enumerable.Range(0, count).Select(async i =>
        {
            await gate.WaitAsync();
            try
            {
                await FileAsync($"burst-{i}-{Guid.NewGuid():N}", until);
            }
            finally
            {
                gate.Release();
            }
        });
        await Task.WhenAll(filings);
    }

    private async Task FileAsync(string key, DateTime until)
    {
        var first = true;
        while (DateTime.UtcNow < until)
        {
            TimeSpan pause;
            var attempt = new Attempt(key);
            _inFlight[attempt] = 0;
            try
            {
                using var response = await Idempotent.PostAsync(client(), "/v1/complaints", Idempotent.Complaint(consumerId), key);
                attempt.Status = (int)response.StatusCode;
                if (first)
                {
                    first = false;
                    Interlocked.Increment(ref _sent);
                }

                if (response.IsSuccessStatusCode)
                {
                    AcknowledgedAt.Add(Clock.Elapsed);
                    var body = await response.Content.ReadFromJsonAsync<JsonElement>();
                    Acknowledged[key] = body.GetProperty("id").GetGuid();
                    return;
                }

                if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
                {
                    Interlocked.Increment(ref _unavailable);
                    UnavailableAt.Add(Clock.Elapsed);
                    var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
                    UnavailableCodes.Add(problem.TryGetProperty("code", out var code) ? code.GetString() ?? "" : "");
                    if (response.Headers.RetryAfter is null)
                    {
                        Unexpected.Add($"503 without Retry-After: {problem}");
                    }
                    var retryAfter = response.Headers.RetryAfter?.Delta ?? TimeSpan.FromMilliseconds(200);
                    pause = retryAfter > TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : retryAfter;
                }
                else if (response.StatusCode == HttpStatusCode.Conflict)
                {
                    pause = TimeSpan.FromMilliseconds(100);
                }
                else
                {
                    Unexpected.Add($"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
                    return;
                }
            }
            catch (HttpRequestException ex)
            {
                attempt.TransportError = ex.HttpRequestError.ToString();
                Interlocked.Increment(ref _transport);
                pause = TimeSpan.FromMilliseconds(200);
            }
            finally
            {
                _inFlight.TryRemove(attempt, out _);
                attempt.Done.TrySetResult();
            }

            await Task.Delay(pause);
        }

        Unresolved.Add(key);
    }

    /// <summary>
    /// Every acknowledged filing exists exactly once, with exactly one "complaint.filed" audit entry and one such event
    /// (in the feed or still in the outbox), and its key recorded with a 2xx; no complaint, audit entry, event or key exists
    /// that was not acknowledged; nothing was left unresolved.
    /// </summary>
    public Task AssertExactlyOnceAsync(PostgresTestDatabase db) => AssertExactlyOnceAsync(db.AdminConnectionString, tenantId: null);

    /// <summary>As above, on the database a superuser connection string names (e.g. the primary of several hosts), over
    /// one tenant's rows when <paramref name="tenantId"/> is given (the superuser bypasses row-level security).</summary>
    public async Task AssertExactlyOnceAsync(string adminConnectionString, Guid? tenantId)
    {
        Assert.Multiple(() =>
        {
            Assert.That(Unexpected, Is.Empty, "answers a retrying client does not expect");
            Assert.That(Unresolved, Is.Empty, "filings that never got a 2xx within the deadline");
        });

        await using var connection = await Connections.OpenAsync(adminConnectionString);
        var complaints = await ReadGuidsAsync(connection, "SELECT id FROM complaints WHERE true", tenantId);
        var audited = await ReadGuidsAsync(connection, "SELECT entity_id FROM audit_entries WHERE action = 'complaint.filed'", tenantId);
        // The feed and the outbox in one statement (one snapshot): the sealer moves events from one to the other at any
        // moment, and two reads could miss an event it moved between them.
        var events = await ReadGuidsAsync(connection,
            """
            SELECT entity_id FROM (SELECT tenant_id, entity_id, type FROM events
                                   UNION ALL SELECT tenant_id, entity_id, type FROM event_outbox) placed_or_not
            WHERE type = 'complaint.filed'
            """, tenantId);
        var keys = await ReadKeysAsync(connection, tenantId);

        var acknowledged = Acknowledged.Values.ToList();
        Assert.Multiple(() =>
        {
            Assert.That(acknowledged, Is.Unique, "two keys were acknowledged with the same complaint");
            Assert.That(complaints, Is.EquivalentTo(acknowledged), "complaints in the database = complaints acknowledged, each once");
            Assert.That(audited, Is.EquivalentTo(acknowledged), "one complaint.filed audit entry per acknowledged complaint");
            Assert.That(events, Is.EquivalentTo(acknowledged), "one complaint.filed event per acknowledged complaint");
            Assert.That(keys.Keys, Is.EquivalentTo(Acknowledged.Keys), "one idempotency record per acknowledged key");
            Assert.That(keys.Values, Has.All.InRange(200, 299), "every idempotency record holds its 2xx answer");
        });
    }

    private static async Task<List<Guid>> ReadGuidsAsync(NpgsqlConnection connection, string sql, Guid? tenantId)
    {
        await using var command = ForTenant(new NpgsqlCommand(sql, connection), tenantId);
        await using var reader = await command.ExecuteReaderAsync();
        var ids = new List<Guid>();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetGuid(0));
        }

        return ids;
    }

    /// <summary>Narrows a "... WHERE condition" statement to one tenant's rows (none: every tenant's).</summary>
    private static NpgsqlCommand ForTenant(NpgsqlCommand command, Guid? tenantId)
    {
        if (tenantId is { } id)
        {
            command.CommandText += " AND tenant_id = @tenant";
            command.Parameters.AddWithValue("tenant", id);
        }

        return command;
    }

    private static async Task<Dictionary<string, int>> ReadKeysAsync(NpgsqlConnection connection, Guid? tenantId)
    {
        await using var command = ForTenant(new NpgsqlCommand("SELECT idem_key, coalesce(status_code, 0) FROM idempotency_keys WHERE true", connection), tenantId);
        await using var reader = await command.ExecuteReaderAsync();
        var keys = new Dictionary<string, int>();
        while (await reader.ReadAsync())
        {
            keys.Add(reader.GetString(0), Convert.ToInt32(reader.GetValue(1), CultureInfo.InvariantCulture));
        }

        return keys;
    }
}
