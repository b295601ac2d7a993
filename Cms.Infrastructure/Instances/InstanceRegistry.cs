using Cms.Infrastructure.Persistence;
using Dapper;

namespace Cms.Infrastructure.Instances;

/// <summary>
/// The running instances of the service, as heartbeat rows in <c>service_instances</c>: each instance refreshes its own
/// row every few seconds and counts the rows refreshed within the expiry, itself included. One short statement pair per
/// heartbeat and instance, never a write per request (a per-request shared counter would be a hot row on every write
/// path). cms_app holds no DELETE on any table: an instance that stops cleanly marks its row gone (heartbeat at the
/// epoch), one that dies simply stops refreshing it; both stop counting after the expiry. Such rows are a few dozen
/// bytes per process start; an operator may delete old ones as the owner (docs/scaling.md).
/// </summary>
public sealed class InstanceRegistry(DatabaseOptions options, IServiceProvider services)
{
    /// <summary>Refreshes <paramref name="instanceId"/>'s row and answers how many instances are alive (at least 1: this one).</summary>
    public async Task<int> BeatAsync(Guid instanceId, DateTimeOffset startedAt, DateTimeOffset now, TimeSpan expiry,
        CancellationToken cancellationToken)
    {
        await using var connection = await ServiceConnections.OpenAsync(options, services, cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var parameters = new
        {
            Id = instanceId,
            StartedAt = startedAt.ToUniversalTime(),
            Now = now.ToUniversalTime(),
            Since = (now - expiry).ToUniversalTime(),
        };
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO service_instances (id, started_at, heartbeat_at) VALUES (@Id, @StartedAt, @Now)
            ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at
            """,
            parameters, transaction, options.CommandTimeoutSeconds, cancellationToken: cancellationToken));
        var alive = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT count(*) FROM service_instances WHERE heartbeat_at >= @Since", parameters, transaction, options.CommandTimeoutSeconds,
            cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
        return (int)Math.Max(1, alive);
    }

    /// <summary>Marks this instance's row gone on a clean stop, so the others take over its share at their next heartbeat.</summary>
    public async Task LeaveAsync(Guid instanceId, CancellationToken cancellationToken)
    {
        await using var connection = await ServiceConnections.OpenAsync(options, services, cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("UPDATE service_instances SET heartbeat_at = @Gone WHERE id = @Id",
            new { Id = instanceId, Gone = DateTimeOffset.UnixEpoch }, commandTimeout: options.CommandTimeoutSeconds,
            cancellationToken: cancellationToken));
    }
}
