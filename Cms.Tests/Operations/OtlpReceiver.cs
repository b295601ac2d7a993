using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Cms.Tests.Operations;

/// <summary>
/// A local OTLP/HTTP receiver (Kestrel on a free loopback port) that keeps every protobuf payload posted to
/// /v1/traces, /v1/metrics and /v1/logs, and decodes what a test needs of them with <see cref="Protobuf"/>.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;

    private OtlpReceiver(WebApplication app) => _app = app;

    public ConcurrentQueue<(string Signal, string ContentType, byte[] Body)> Requests { get; } = new();

    public string Endpoint { get; private set; } = "";

    public static async Task<OtlpReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var receiver = new OtlpReceiver(app);
        app.MapPost("/v1/{signal}", async (string signal, HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            receiver.Requests.Enqueue((signal, request.ContentType ?? "", body.ToArray()));
            return Results.Bytes([], "application/x-protobuf"); // an empty Export*ServiceResponse: all accepted
        });
        await app.StartAsync();
        receiver.Endpoint = app.Urls.Single().Replace("[::1]", "127.0.0.1", StringComparison.Ordinal);
        return receiver;
    }

    public IEnumerable<byte[]> Payloads(string signal) => Requests.Where(r => r.Signal == signal).Select(r => r.Body);

    /// <summary>Every span received: resource attributes, scope name, span name, trace id (hex).</summary>
    public List<ReceivedSpan> Spans()
    {
        var spans = new List<ReceivedSpan>();
        foreach (var payload in Payloads("traces"))
        {
            foreach (var resourceSpans in Protobuf.Messages(payload, 1))
            {
                var resource = ResourceAttributes(resourceSpans);
                foreach (var scopeSpans in Protobuf.Messages(resourceSpans, 2))
                {
                    var scope = Protobuf.Messages(scopeSpans, 1).Select(s => Protobuf.String(s, 1)).FirstOrDefault() ?? "";
                    foreach (var span in Protobuf.Messages(scopeSpans, 2))
                    {
                        spans.Add(new ReceivedSpan(resource, scope, Protobuf.String(span, 5) ?? "",
                            Convert.ToHexStringLower(Protobuf.Messages(span, 1).FirstOrDefault() ?? []),
                            Attributes(Protobuf.Messages(span, 9))));
                    }
                }
            }
        }

        return spans;
    }

    /// <summary>The names of the metrics received.</summary>
    public HashSet<string> MetricNames() =>
        Payloads("metrics")
            .SelectMany(p => Protobuf.Messages(p, 1))
            .SelectMany(rm => Protobuf.Messages(rm, 2))
            .SelectMany(sm => Protobuf.Messages(sm, 2))
            .Select(m => Protobuf.String(m, 1) ?? "")
            .ToHashSet();

    /// <summary>The log records received: trace id (hex, empty when none) and body text.</summary>
    public List<(string TraceId, string Body)> LogRecords() =>
        Payloads("logs")
            .SelectMany(p => Protobuf.Messages(p, 1))
            .SelectMany(rl => Protobuf.Messages(rl, 2))
            .SelectMany(sl => Protobuf.Messages(sl, 2))
            .Select(r => (Convert.ToHexStringLower(Protobuf.Messages(r, 9).FirstOrDefault() ?? []),
                Protobuf.Messages(r, 5).Select(v => Protobuf.String(v, 1)).FirstOrDefault() ?? ""))
            .ToList();

    private static Dictionary<string, string> ResourceAttributes(byte[] resourceContainer) =>
        Attributes(Protobuf.Messages(resourceContainer, 1).SelectMany(r => Protobuf.Messages(r, 1)));

    /// <summary>KeyValue messages (key = 1, value = AnyValue 2) with string, bool or int values.</summary>
    private static Dictionary<string, string> Attributes(IEnumerable<byte[]> keyValues)
    {
        var attributes = new Dictionary<string, string>();
        foreach (var keyValue in keyValues)
        {
            var key = Protobuf.String(keyValue, 1) ?? "";
            var value = Protobuf.Messages(keyValue, 2).FirstOrDefault() ?? [];
            attributes[key] = Protobuf.String(value, 1)
                              ?? Protobuf.Varints(value, 3).Select(v => ((long)v).ToString(System.Globalization.CultureInfo.InvariantCulture)).FirstOrDefault()
                              ?? Protobuf.Varints(value, 2).Select(v => v != 0 ? "true" : "false").FirstOrDefault()
                              ?? "";
        }

        return attributes;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

public sealed record ReceivedSpan(Dictionary<string, string> Resource, string Scope, string Name, string TraceId, Dictionary<string, string> Attributes);

/// <summary>
/// Just enough of the protobuf wire format to read OTLP payloads: fields of a message by number, as nested messages
/// (length-delimited bytes), strings or varints. Unknown fields and wire types 1 and 5 (fixed 64/32 bit) are skipped.
/// </summary>
public static class Protobuf
{
    public static IEnumerable<byte[]> Messages(byte[] message, int field) =>
        Fields(message).Where(f => f.Field == field && f.Bytes is not null).Select(f => f.Bytes!);

    public static string? String(byte[] message, int field) =>
        Messages(message, field).Select(b => System.Text.Encoding.UTF8.GetString(b)).FirstOrDefault();

    public static IEnumerable<ulong> Varints(byte[] message, int field) =>
        Fields(message).Where(f => f.Field == field && f.Bytes is null).Select(f => f.Value);

    public static List<(int Field, ulong Value, byte[]? Bytes)> Fields(byte[] message)
    {
        var fields = new List<(int, ulong, byte[]?)>();
        var position = 0;
        while (position < message.Length)
        {
            var tag = ReadVarint(message, ref position);
            var field = (int)(tag >> 3);
            switch ((int)(tag & 7))
            {
                case 0:
                    fields.Add((field, ReadVarint(message, ref position), null));
                    break;
                case 1:
                    position += 8;
                    break;
                case 2:
                    var length = (int)ReadVarint(message, ref position);
                    fields.Add((field, 0, message[position..(position + length)]));
                    position += length;
                    break;
                case 5:
                    position += 4;
                    break;
                default:
                    throw new FormatException($"Unsupported wire type {tag & 7} at {position}.");
            }
        }

        return fields;
    }

    private static ulong ReadVarint(byte[] buffer, ref int position)
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            var b = buffer[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }

        throw new FormatException("Malformed varint.");
    }
}
