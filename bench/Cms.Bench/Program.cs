using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

// The benchmark's own tools (bench/run drives them). No product code: it talks to the service over HTTP like any client.
//   consumers --count N [--seed S] [--start K]        JSON lines of consumers for the bulk import, to stdout
//   load --base URL --token T --scenario file|queue|byid|search|acknowledge|note --concurrency C --seconds D [--warmup W] --ids FILE
//        [--callers FILE] [--query WORD (search)]
//        closed-loop HTTP load: C workers, each sending the next request when the last answered; prints name=value lines
return args switch
{
    ["consumers", ..] => Consumers.Run(Options.Parse(args[1..])),
    ["load", ..] => await Load.RunAsync(Options.Parse(args[1..])),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: Cms.Bench consumers --count N [--seed S] | load --base URL --token T --scenario file|queue|byid|search|acknowledge|note --concurrency C --seconds D --ids FILE [--query WORD]");
    return 2;
}

internal sealed class Options(Dictionary<string, string> values)
{
    public static Options Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            values[args[i].TrimStart('-')] = args[i + 1];
        }

        return new Options(values);
    }

    public string Get(string name, string? fallback = null) =>
        values.TryGetValue(name, out var v) ? v : fallback ?? throw new ArgumentException($"--{name} is required");

    public bool Has(string name) => values.ContainsKey(name);

    public long Long(string name, long fallback) => values.TryGetValue(name, out var v) ? long.Parse(v, CultureInfo.InvariantCulture) : fallback;
}

/// <summary>
/// Consumers with realistic shapes: UK-style names from frequency-weighted lists, 85 % with an e-mail, 70 % a phone,
/// 60 % a postal address, ages 18-95 skewed towards the middle, 8 % with vulnerability drivers (FCA FG21/1 puts it far
/// higher for "characteristics", but recorded drivers are rarer), 0.1 % of lines deliberately invalid (no fullName) so the
/// error path is exercised at scale. Deterministic for a seed.
/// </summary>
internal static class Consumers
{
    private static readonly string[] Given = ["Oliver", "Amelia", "George", "Isla", "Harry", "Ava", "Noah", "Mia", "Jack", "Ivy", "Leo",
        "Lily", "Arthur", "Freya", "Muhammad", "Grace", "Oscar", "Sophia", "Charlie", "Florence", "Mohammed", "Priya", "Wei", "Aisha", "Tomasz"];

    private static readonly string[] Family = ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel", "Robinson",
        "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Thomas", "Clarke", "Khan", "Nowak", "Chen", "O'Brien", "Müller"];

    private static readonly string[] Towns = ["London", "Manchester", "Birmingham", "Leeds", "Glasgow", "Bristol", "Cardiff", "Belfast", "Newcastle", "Norwich"];

    private static readonly string[] Drivers = ["health", "life_event", "resilience", "capability"];

    public static int Run(Options options)
    {
        var count = options.Long("count", 1000);
        var start = options.Long("start", 1);
        var random = new Random((int)options.Long("seed", 42));
        using var output = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false), 1 << 20);
        var buffer = new ArrayBufferWriter();
        for (var n = start; n < start + count; n++)
        {
            buffer.Clear();
            using (var json = new Utf8JsonWriter(buffer))
            {
                var given = Given[Skewed(random, Given.Length)];
                var family = Family[Skewed(random, Family.Length)];
                json.WriteStartObject();
                json.WriteString("externalRef", $"CUST-{n:D10}");
                if (random.NextDouble() >= 0.001)
                {
                    json.WriteString("fullName", $"{given} {family}");
                }

                if (random.NextDouble() < 0.85)
                {
                    json.WriteString("email", $"{given}.{family.Replace("'", "", StringComparison.Ordinal)}.{n}@example.test".ToLowerInvariant());
                }

                if (random.NextDouble() < 0.70)
                {
                    json.WriteString("phone", $"+44 7{random.Next(100, 999)} {random.Next(100000, 999999)}");
                }

                if (random.NextDouble() < 0.60)
                {
                    json.WriteStartObject("address");
                    json.WriteStartArray("lines");
                    json.WriteStringValue($"{random.Next(1, 250)} {Family[random.Next(Family.Length)]} Road");
                    json.WriteEndArray();
                    json.WriteString("city", Towns[Skewed(random, Towns.Length)]);
                    json.WriteString("postcode", $"AB{random.Next(1, 99)} {random.Next(1, 9)}XY");
                    json.WriteString("country", "GB");
                    json.WriteEndObject();
                }

                var age = 18 + (int)Math.Clamp((random.NextDouble() + random.NextDouble() + random.NextDouble()) / 3 * 77, 0, 77);
                json.WriteString("dateOfBirth", new DateOnly(2026 - age, random.Next(1, 13), random.Next(1, 29)).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
                if (random.NextDouble() < 0.08)
                {
                    json.WriteStartObject("vulnerability");
                    json.WriteStartArray("drivers");
                    json.WriteStringValue(Drivers[random.Next(Drivers.Length)]);
                    json.WriteEndArray();
                    json.WriteBoolean("consentRecorded", random.NextDouble() < 0.7);
                    json.WriteEndObject();
                }

                json.WriteEndObject();
            }

            output.BaseStream.Write(buffer.WrittenSpan);
            output.BaseStream.WriteByte((byte)'\n');
        }

        return 0;
    }

    /// <summary>Index with a Zipf-like skew: the first entries are much more frequent.</summary>
    private static int Skewed(Random random, int length) => Math.Min(length - 1, (int)(length * Math.Pow(random.NextDouble(), 2.2)));

    private sealed class ArrayBufferWriter : System.Buffers.IBufferWriter<byte>
    {
        private byte[] _buffer = new byte[4096];
        private int _written;

        public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _written);

        public void Clear() => _written = 0;

        public void Advance(int count) => _written += count;

        public Memory<byte> GetMemory(int sizeHint = 0)
        {
            Ensure(sizeHint);
            return _buffer.AsMemory(_written);
        }

        public Span<byte> GetSpan(int sizeHint = 0)
        {
            Ensure(sizeHint);
            return _buffer.AsSpan(_written);
        }

        private void Ensure(int sizeHint)
        {
            if (_buffer.Length - _written < Math.Max(sizeHint, 256))
            {
                Array.Resize(ref _buffer, _buffer.Length * 2);
            }
        }
    }
}

/// <summary>Closed-loop HTTP load against the running service; latencies of every request after the warm-up.</summary>
internal static class Load
{
    public static async Task<int> RunAsync(Options options)
    {
        var scenario = options.Get("scenario");
        var concurrency = (int)options.Long("concurrency", 4);
        var seconds = options.Long("seconds", 10);
        var warmup = options.Long("warmup", 2);
        var ids = File.ReadAllLines(options.Get("ids")).Where(l => l.Length > 0).ToArray();
        var query = scenario == "search" ? options.Get("query") : "";
        // --callers FILE: "TOKEN ID" per line, worker w acting as caller w mod n (each its own tenant, for
        // tenant_write_scaling); without it every worker uses --token and a random id of --ids.
        var callers = options.Has("callers")
            ? File.ReadAllLines(options.Get("callers")).Where(l => l.Length > 0).Select(l => l.Split(' ', 2)).ToArray()
            : null;
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = concurrency, PooledConnectionLifetime = TimeSpan.FromMinutes(10) };
        using var client = new HttpClient(handler) { BaseAddress = new Uri(options.Get("base")) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", options.Get("token"));

        // acknowledge: --ids lines "ID VERSION" of received complaints, each acknowledged once, taken in turn by the workers
        // (a list that runs out answers 412s, which count as errors). note: a note on a random complaint of --ids.
        var next = -1;
        var latencies = new List<double>[concurrency];
        var errors = 0L;
        var measuring = false;
        var stop = false;
        var workers = Enumerable.Range(0, concurrency).Select(w => Task.Run(async () =>
        {
            var mine = latencies[w] = new List<double>(100_000);
            var random = new Random(w);
            while (!Volatile.Read(ref stop))
            {
                var caller = callers?[w % callers.Length];
                var id = caller is not null ? caller[1]
                    : scenario == "acknowledge" ? ids[Interlocked.Increment(ref next) % ids.Length]
                    : ids[random.Next(ids.Length)];
                using var request = scenario switch
                {
                    "file" => new HttpRequestMessage(HttpMethod.Post, "/v1/complaints")
                    {
                        Content = new StringContent(
                            $$"""{"consumerId":"{{id}}","channel":"web","product":"current_account","category":"fees","description":"Charged twice for the same transfer."}""",
                            Encoding.UTF8, "application/json"),
                    },
                    "queue" => new HttpRequestMessage(HttpMethod.Get, "/v1/complaints?status=received&limit=50"),
                    "byid" => new HttpRequestMessage(HttpMethod.Get, $"/v1/complaints/{id}"),
                    "search" => new HttpRequestMessage(HttpMethod.Get, $"/v1/complaints?q={Uri.EscapeDataString(query)}&limit=50"),
                    "acknowledge" => new HttpRequestMessage(HttpMethod.Post, $"/v1/complaints/{id.Split(' ')[0]}/acknowledge")
                    {
                        Headers = { { "If-Match", $"\"{id.Split(' ')[1]}\"" } },
                    },
                    "note" => new HttpRequestMessage(HttpMethod.Post, $"/v1/complaints/{id}/notes")
                    {
                        Content = new StringContent("""{"kind":"internal","body":"Called the consumer back."}""", Encoding.UTF8, "application/json"),
                    },
                    _ => throw new ArgumentException($"unknown scenario {scenario}"),
                };
                if (caller is not null)
                {
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", caller[0]);
                }

                var started = Stopwatch.GetTimestamp();
                using var response = await client.SendAsync(request);
                await response.Content.LoadIntoBufferAsync();
                var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                if (!response.IsSuccessStatusCode)
                {
                    if (Interlocked.Increment(ref errors) == 1)
                    {
                        await Console.Error.WriteLineAsync($"[load] {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
                    }
                }
                else if (Volatile.Read(ref measuring))
                {
                    mine.Add(elapsed);
                }
            }
        })).ToArray();

        await Task.Delay(TimeSpan.FromSeconds(warmup));
        Volatile.Write(ref measuring, true);
        var clock = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(seconds));
        Volatile.Write(ref measuring, false);
        var elapsedSeconds = clock.Elapsed.TotalSeconds;
        Volatile.Write(ref stop, true);
        await Task.WhenAll(workers);

        var all = latencies.SelectMany(l => l).Order().ToArray();
        double Percentile(double p) => all.Length == 0 ? double.NaN : all[Math.Min(all.Length - 1, (int)Math.Ceiling(p * all.Length) - 1)];
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(inv, $"requests={all.Length}"));
        Console.WriteLine(string.Create(inv, $"rps={all.Length / elapsedSeconds:F1}"));
        Console.WriteLine(string.Create(inv, $"p50_ms={Percentile(0.50):F2}"));
        Console.WriteLine(string.Create(inv, $"p99_ms={Percentile(0.99):F2}"));
        Console.WriteLine(string.Create(inv, $"errors={errors}"));
        return errors > 0 ? 1 : 0;
    }
}
