using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Cms.Application.Events;
using Cms.Application.Webhooks;
using Cms.Domain.Common;
using Cms.Infrastructure.Persistence;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Cms.Infrastructure.Webhooks;

public sealed partial class WebhookDispatcher
{
    private TimeSpan WorstCase()
    {
        var total = TimeSpan.Zero;
        for (var i = 0; i < _options.AttemptsPerPass; i++)
        {
            total += _options.AttemptTimeout + (i == 0 ? TimeSpan.Zero : _options.RetryBaseDelay * Math.Pow(2, i) * 1.5);
        }

        return total + TimeSpan.FromSeconds(1);
    }

    private async Task<AttemptResult> SendAsync(LeasedEndpoint endpoint, EventDto change, byte[] secret, int attempt, CancellationToken cancellationToken)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(change, BodyJson);
        var timestamp = _clock.GetUtcNow().ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint.Url)
        {
            Content = new ByteArrayContent(body) { Headers = { { "Content-Type", "application/json" } } },
        };
        request.Headers.TryAddWithoutValidation(SignatureHeader, Signature(secret, timestamp, body));
        request.Headers.TryAddWithoutValidation("Cms-Event-Id", change.Id.ToString("D"));
        request.Headers.TryAddWithoutValidation("Cms-Event-Type", change.Type);
        request.Headers.TryAddWithoutValidation("Cms-Event-Position", change.Position.ToString(CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation("Cms-Delivery-Attempt", attempt.ToString(CultureInfo.InvariantCulture));

        var started = _clock.GetUtcNow();
        var watch = Stopwatch.StartNew();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.AttemptTimeout);
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var status = (int)response.StatusCode;
            return new AttemptResult(started, watch.ElapsedMilliseconds, status is >= 200 and < 300, status,
                status is >= 200 and < 300 ? null : $"HTTP {status}");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new AttemptResult(started, watch.ElapsedMilliseconds, false, null, "timeout");
        }
        catch (HttpRequestException ex)
        {
            return new AttemptResult(started, watch.ElapsedMilliseconds, false, null, Describe(ex));
        }
    }

    /// <summary><c>t=&lt;unix seconds&gt;,v1=&lt;hex HMAC-SHA-256(secret, "&lt;t&gt;." + body)&gt;</c>.</summary>
    public static string Signature(byte[] secret, long timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.ASCII.GetBytes(timestamp.ToString(CultureInfo.InvariantCulture) + ".");
        var signed = new byte[prefix.Length + body.Length];
        prefix.CopyTo(signed, 0);
        body.CopyTo(signed.AsSpan(prefix.Length));
        return $"t={timestamp.ToString(CultureInfo.InvariantCulture)},v1={Convert.ToHexStringLower(HMACSHA256.HashData(secret, signed))}";
    }

    private static string Describe(HttpRequestException ex)
    {
        var text = ex.HttpRequestError switch
        {
            HttpRequestError.NameResolutionError => "name resolution failed",
            HttpRequestError.ConnectionError => ex.InnerException is AddressRefusedException ? "refused: address not public" : "connection failed",
            HttpRequestError.SecureConnectionError => "TLS handshake failed",
            HttpRequestError.ResponseEnded => "response ended early",
            _ => $"request failed ({ex.HttpRequestError})",
        };
        return text.Length > 500 ? text[..500] : text;
    }

    private async Task<bool> RecordAsync(DbSession db, Guid tenantId, Guid endpointId, EventDto change, List<AttemptResult> attempts,
        bool givenUp, long newPosition, long previousPosition, int failures)
    {
        for (var i = 0; i < attempts.Count; i++)
        {
            var a = attempts[i];
            var outcome = a.Delivered ? "delivered" : givenUp && i == attempts.Count - 1 ? "given_up" : "failed";
            await db.ExecuteAsync(WebhookAttemptRow.Map.Insert,
                new WebhookAttemptRow
                {
                    TenantId = tenantId,
                    Id = Ids.New(),
                    EndpointId = endpointId,
                    EventPosition = change.Position,
                    EventId = change.Id,
                    Attempt = i + 1,
                    AttemptedAt = a.AttemptedAt,
                    Outcome = outcome,
                    StatusCode = a.StatusCode,
                    Error = a.Error,
                    DurationMs = a.DurationMs,
                },
                CancellationToken.None);
        }

        var now = _clock.GetUtcNow();
        var wait = failures == 0 || givenUp ? TimeSpan.Zero : Backoff(failures);
        return await db.ExecuteAsync(
            """
            UPDATE webhook_endpoints
            SET delivered_position = @NewPosition, failures = @Failures, next_attempt_at = @NextAttemptAt, lease_until = @LeaseUntil
            WHERE tenant_id = @TenantId AND id = @Id AND lease_owner = @Owner AND delivered_position = @PreviousPosition
            """,
            new
            {
                TenantId = tenantId,
                Id = endpointId,
                Owner,
                NewPosition = newPosition,
                PreviousPosition = previousPosition,
                Failures = givenUp ? 0 : failures,
                NextAttemptAt = now + wait,
                LeaseUntil = now + _options.LeaseDuration,
            },
            CancellationToken.None) == 1;
    }

    private Task<int> AdvanceAsync(DbSession db, Guid tenantId, Guid endpointId, long previousPosition, long newPosition) =>
        db.ExecuteAsync(
            """
            UPDATE webhook_endpoints SET delivered_position = @NewPosition
            WHERE tenant_id = @TenantId AND id = @Id AND lease_owner = @Owner AND delivered_position = @PreviousPosition
            """,
            new { TenantId = tenantId, Id = endpointId, Owner, NewPosition = newPosition, PreviousPosition = previousPosition },
            CancellationToken.None);

    /// <summary>BackoffBase × 2^(failures − 1), at most BackoffMax.</summary>
    public TimeSpan Backoff(int failures)
    {
        var factor = Math.Pow(2, Math.Min(failures - 1, 30));
        var wait = TimeSpan.FromTicks((long)Math.Min(_options.BackoffBase.Ticks * factor, _options.BackoffMax.Ticks));
        return wait;
    }

    /// <summary>Runs <paramref name="work"/> in one committed transaction of the tenant (<see cref="TenantWork"/>). Once
    /// begun, a step runs to its end: a lease, an attempt's record or a release is never cut short by a shutdown.</summary>
    private Task<T> InTenantAsync<T>(Guid tenantId, Func<DbSession, Task<T>> work, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return _services.GetRequiredService<TenantWork>().RunAsync(tenantId, (db, _) => work(db), CancellationToken.None);
    }

    /// <summary>
    /// The connection step of every delivery: resolves the host and connects only to addresses that are public (or
    /// loopback when allowed), so a name that resolves to an internal address (DNS rebinding, a registered name pointing
    /// at 169.254.169.254) is refused at connect time. No proxy, no redirects, no cookies.
    /// </summary>
    private static SocketsHttpHandler CreateHandler(bool allowLoopback, Func<string, CancellationToken, Task<IPAddress[]>> resolve) => new()
    {
        AllowAutoRedirect = false,
        UseCookies = false,
        UseProxy = false,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        ConnectCallback = async (context, cancellationToken) =>
        {
            var addresses = await resolve(context.DnsEndPoint.Host, cancellationToken);
            if (addresses.Length == 0 || addresses.Any(a => !WebhookUrlPolicy.MayConnect(a, allowLoopback)))
            {
                throw new AddressRefusedException();
            }

            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    };

    public void Dispose() => _http.Dispose();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook delivery pass failed for tenant {TenantId}: {ErrorType}")]
    private static partial void LogTenantFailed(ILogger logger, Guid tenantId, string errorType);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook {EndpointId} of tenant {TenantId} gave up on position {Position}")]
    private static partial void LogGivenUp(ILogger logger, Guid tenantId, Guid endpointId, long position);

    private sealed class AddressRefusedException() : IOException("The webhook host resolves to an address that is not public.");

    internal sealed class LeasedEndpoint
    {
        public Guid Id { get; init; }
        public string Url { get; init; } = "";
        public string EventTypes { get; init; } = "[]";
        public string SecretSealed { get; init; } = "";
        public string MasterKeyVersion { get; init; } = "";
        public long DeliveredPosition { get; init; }
        public int Failures { get; set; }
    }

    internal sealed record AttemptResult(DateTimeOffset AttemptedAt, long DurationMs, bool Delivered, int? StatusCode, string? Error);
}
