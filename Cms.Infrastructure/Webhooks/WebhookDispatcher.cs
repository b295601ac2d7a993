using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Cms.Application.Abstractions;
using Cms.Application.Webhooks;
using Cms.Domain.Webhooks;
using Cms.Infrastructure.Events;
using Cms.Infrastructure.Persistence;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace Cms.Infrastructure.Webhooks;

/// <summary>
/// Delivers the change feed to the webhook endpoints (docs/events.md). One pass walks the tenants; per tenant it leases
/// the endpoints that have undelivered events and are due (PostgreSQL: <c>FOR UPDATE SKIP LOCKED</c>, so two instances
/// never lease the same endpoint; SQLite: its single writer), then delivers each leased endpoint's events strictly in
/// feed order, one at a time, so a receiver sees the events of a complaint in the order they were committed. An event
/// is tried <see cref="WebhookOptions.AttemptsPerPass"/> times with exponential back-off (Polly); when all fail, the
/// endpoint waits (exponential, capped) and the same event is tried again on a later pass; after
/// <see cref="WebhookOptions.MaxFailedPasses"/> failed passes it is given up (recorded, replayable) and the endpoint
/// moves on. Every attempt is recorded with its outcome, status code, error and duration. The cursor only moves with a
/// compare-and-set on the lease and the previous position, so a replay or a lost lease is never overwritten.
/// </summary>
public sealed partial class WebhookDispatcher : IDisposable
{
    public const string SignatureHeader = "Cms-Signature";

    private static readonly JsonSerializerOptions BodyJson = new(JsonSerializerDefaults.Web);

    private readonly IServiceProvider _services;
    private readonly WebhookOptions _options;
    private readonly TimeProvider _clock;
    private readonly ILogger<WebhookDispatcher> _logger;
    private readonly HttpClient _http;
    private readonly ResiliencePipeline<AttemptResult> _retry;

    public WebhookDispatcher(IServiceProvider services, WebhookOptions options, TimeProvider clock, ILogger<WebhookDispatcher> logger)
        : this(services, options, clock, logger, Dns.GetHostAddressesAsync)
    {
    }

    /// <summary>With the resolver the connect step asks (tests give one that answers an internal address).</summary>
    public WebhookDispatcher(IServiceProvider services, WebhookOptions options, TimeProvider clock, ILogger<WebhookDispatcher> logger,
        Func<string, CancellationToken, Task<IPAddress[]>> resolve)
    {
        _services = services;
        _options = options;
        _clock = clock;
        _logger = logger;
        _http = new HttpClient(CreateHandler(options.AllowLoopback, resolve), disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("cms-webhooks/1");
        var retry = new ResiliencePipelineBuilder<AttemptResult>();
        if (options.AttemptsPerPass > 1)
        {
            retry.AddRetry(new RetryStrategyOptions<AttemptResult>
            {
                MaxRetryAttempts = options.AttemptsPerPass - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryBaseDelay,
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Result is { Delivered: false }),
            });
        }

        _retry = retry.Build();
    }

    /// <summary>This instance's name on the leases it takes.</summary>
    public string Owner { get; init; } = NewOwner();

    private static string NewOwner()
    {
        var owner = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";
        return owner.Length <= 100 ? owner : owner[^100..];
    }

    /// <summary>One pass over every active tenant (a suspended tenant's deliveries wait); answers how many events were handed over.</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        // Suspended tenants pause: only active tenants are delivered to.
        var tenants = await _services.GetRequiredService<TenantWork>().RunAsync(null,
            (db, token) => db.QueryAsync<Guid>(TenantRegistry.ActiveTenantIdsSql, TenantRegistry.ActiveTenantIdsParameters, token),
            cancellationToken, commit: false);

        var delivered = 0;
        foreach (var tenantId in tenants)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                delivered += await RunTenantAsync(tenantId, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogTenantFailed(_logger, tenantId, ex.GetType().Name);
            }
        }

        return delivered;
    }

    private async Task<int> RunTenantAsync(Guid tenantId, CancellationToken cancellationToken)
    {
        // A tenant with no endpoint due costs one short read: sealing it every pass (every second, every tenant) was most
        // of an idle service's load on the database. The lease below takes only endpoints due, so nothing changes for them.
        var now = _clock.GetUtcNow();
        if (!await InTenantAsync(tenantId, db => db.ExecuteScalarAsync<bool>(
                """
                SELECT EXISTS (SELECT 1 FROM webhook_endpoints WHERE tenant_id = @TenantId AND is_active AND NOT is_deleted
                    AND next_attempt_at <= @Now AND (lease_until IS NULL OR lease_until < @Now))
                """, new { TenantId = tenantId, Now = now }, CancellationToken.None), cancellationToken))
        {
            return 0;
        }

        // Only positioned events are delivered: what the tenant committed so far is given its positions first.
        await _services.GetRequiredService<Audit.ChangeSealer>().SealAsync(tenantId, waitForTurn: true, cancellationToken);
        var leased = await InTenantAsync(tenantId, db => LeaseAsync(db, tenantId), cancellationToken);
        var delivered = 0;
        foreach (var endpoint in leased)
        {
            try
            {
                delivered += await DeliverAsync(tenantId, endpoint, cancellationToken);
            }
            finally
            {
                await InTenantAsync(tenantId, db => db.ExecuteAsync(
                    "UPDATE webhook_endpoints SET lease_owner = NULL, lease_until = NULL WHERE tenant_id = @TenantId AND id = @Id AND lease_owner = @Owner",
                    new { TenantId = tenantId, endpoint.Id, Owner }, CancellationToken.None), CancellationToken.None);
            }
        }

        return delivered;
    }

    private async Task<IReadOnlyList<LeasedEndpoint>> LeaseAsync(DbSession db, Guid tenantId)
    {
        var now = _clock.GetUtcNow();
        var skipLocked = db is PostgresSession ? "FOR UPDATE SKIP LOCKED" : "";
        return await db.QueryAsync<LeasedEndpoint>(
            $"""
            UPDATE webhook_endpoints SET lease_owner = @Owner, lease_until = @Until
            WHERE tenant_id = @TenantId AND id IN (
                SELECT id FROM webhook_endpoints
                WHERE tenant_id = @TenantId AND is_active AND NOT is_deleted AND next_attempt_at <= @Now
                  AND (lease_until IS NULL OR lease_until < @Now)
                  AND delivered_position < (SELECT last_event_position FROM audit_chain_heads WHERE tenant_id = @TenantId)
                ORDER BY next_attempt_at LIMIT 20 {skipLocked})
            RETURNING id, url, event_types, secret_sealed, master_key_version, delivered_position, failures
            """,
            new { TenantId = tenantId, Owner, Now = now, Until = now + _options.LeaseDuration }, CancellationToken.None);
    }

    private async Task<int> DeliverAsync(Guid tenantId, LeasedEndpoint endpoint, CancellationToken cancellationToken)
    {
        var leaseUntil = _clock.GetUtcNow() + _options.LeaseDuration;
        var position = endpoint.DeliveredPosition;
        var types = JsonSerializer.Deserialize<string[]>(endpoint.EventTypes, BodyJson) ?? [];
        var events = await _services.GetRequiredService<TenantWork>().RunAsync(tenantId, (services, _) =>
            new EventQueries(services.GetRequiredService<DbSession>(), services.GetRequiredService<TenantScope>())
                .ListAsync(position, _options.BatchSize, CancellationToken.None), cancellationToken);
        var secret = _services.GetRequiredService<WebhookSecrets>().Open(tenantId, endpoint.Id, endpoint.SecretSealed, endpoint.MasterKeyVersion);
        var delivered = 0;
        var skipTo = position;
        try
        {
            foreach (var change in events)
            {
                if (!WebhookEndpoint.Matches(types, change.Type))
                {
                    skipTo = change.Position; // moved past with the next delivered event, or after the loop
                    continue;
                }

                // Never start an event whose attempts could outlast the lease: another instance could take it over.
                if (_clock.GetUtcNow() + WorstCase() >= leaseUntil)
                {
                    return delivered;
                }

                var attempts = new List<AttemptResult>();
                var result = await _retry.ExecuteAsync(async ct =>
                {
                    var attempt = await SendAsync(endpoint, change, secret, attempts.Count + 1, ct);
                    attempts.Add(attempt);
                    return attempt;
                }, cancellationToken);

                var failures = result.Delivered ? 0 : endpoint.Failures + 1;
                var givenUp = !result.Delivered && failures >= _options.MaxFailedPasses;
                var moved = await InTenantAsync(tenantId, db => RecordAsync(db, tenantId, endpoint.Id, change, attempts, givenUp,
                    result.Delivered || givenUp ? change.Position : position, position, failures), CancellationToken.None);
                if (!moved)
                {
                    return delivered; // replayed or lease lost meanwhile: leave the endpoint as the other party set it
                }

                leaseUntil = _clock.GetUtcNow() + _options.LeaseDuration;
                if (!result.Delivered)
                {
                    if (givenUp)
                    {
                        LogGivenUp(_logger, tenantId, endpoint.Id, change.Position);
                    }

                    return delivered;
                }

                delivered++;
                position = change.Position;
                skipTo = position;
                endpoint.Failures = 0;
            }

            // Events after the last delivered one that the endpoint does not subscribe to: move past them.
            if (skipTo > position)
            {
                await InTenantAsync(tenantId, db => AdvanceAsync(db, tenantId, endpoint.Id, position, skipTo), CancellationToken.None);
            }

            return delivered;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }
}
