using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Cms.Application.Events;

namespace Cms.Tests.Events;

/// <summary>
/// A real HTTP receiver on loopback (HttpListener) for the delivery tests: records every request it answers, can fail
/// the first N requests (or any request a rule picks) with 500, and checks the Cms-Signature of each request with the
/// secret it was given.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;
    private readonly CancellationTokenSource _stop = new();
    private int _requests;

    public WebhookReceiver()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        Url = $"http://127.0.0.1:{port}/hooks/cms";
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public string Url { get; }

    /// <summary>Requests answered 500 before any is accepted.</summary>
    public int FailFirst { get; set; }

    /// <summary>A further rule: answer 500 when it says so (request number from 1, event).</summary>
    public Func<int, EventDto, bool>? FailWhen { get; set; }

    /// <summary>Delay before answering, to make deliveries overlap in the multi-instance test.</summary>
    public TimeSpan Delay { get; set; }

    /// <summary>Every request: its headers, body, parsed event and the status it was answered with.</summary>
    public ConcurrentQueue<Received> Requests { get; } = new();

    public IReadOnlyList<EventDto> Accepted => [.. Requests.Where(r => r.Status == 200).Select(r => r.Event)];

    public sealed record Received(int Number, string? Signature, string? EventId, string? EventType, string? Attempt, byte[] Body, EventDto Event,
        int Status);

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (HttpListenerException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }

            _ = Task.Run(() => AnswerAsync(context));
        }
    }

    private async Task AnswerAsync(HttpListenerContext context)
    {
        using var body = new MemoryStream();
        await context.Request.InputStream.CopyToAsync(body);
        var bytes = body.ToArray();
        var change = JsonSerializer.Deserialize<EventDto>(bytes, Support.ApiTestBase.Json)!;
        var number = Interlocked.Increment(ref _requests);
        var fail = number <= FailFirst || (FailWhen?.Invoke(number, change) ?? false);
        if (Delay > TimeSpan.Zero)
        {
            await Task.Delay(Delay);
        }

        var status = fail ? 500 : 200;
        Requests.Enqueue(new Received(number, context.Request.Headers["Cms-Signature"], context.Request.Headers["Cms-Event-Id"],
            context.Request.Headers["Cms-Event-Type"], context.Request.Headers["Cms-Delivery-Attempt"], bytes, change, status));
        context.Response.StatusCode = status;
        context.Response.Close();
    }

    /// <summary>What a receiver does with <c>Cms-Signature: t=...,v1=...</c>: recompute HMAC-SHA-256(secret, t + "." + body).</summary>
    public static bool SignatureIsValid(string? header, byte[] body, string secret)
    {
        if (header is null)
        {
            return false;
        }

        var parts = header.Split(',').Select(p => p.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
        if (!parts.TryGetValue("t", out var t) || !parts.TryGetValue("v1", out var v1))
        {
            return false;
        }

        var signed = Encoding.ASCII.GetBytes(t + ".").Concat(body).ToArray();
        var expected = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed));
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(v1));
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        _listener.Close();
        try
        {
            await _loop;
        }
        catch (Exception)
        {
            // the listener was closed under the loop
        }

        _stop.Dispose();
    }
}
