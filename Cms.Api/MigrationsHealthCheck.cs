using Cms.Infrastructure.Persistence;
using Cms.Migrations;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Cms.Api;

/// <summary>
/// Readiness: the database carries every migration this build knows (FluentMigrator's version table, read with the
/// service's own connection; cms_app may SELECT it). A database migrated further than this build (a newer release
/// migrated ahead of a rolling deployment) is ready too: migrations are additive and the versions it lacks knowledge of
/// are reported in the data. Once current, the answer is kept for <see cref="Recheck"/> so probes cost no round trip.
/// </summary>
public sealed class MigrationsHealthCheck(DatabaseOptions options, TimeProvider clock) : IHealthCheck
{
    public static readonly TimeSpan Recheck = TimeSpan.FromMinutes(1);

    private DateTimeOffset _currentUntil = DateTimeOffset.MinValue;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (clock.GetUtcNow() < _currentUntil)
        {
            return HealthCheckResult.Healthy("Migrations are current.");
        }

        var provider = options.Provider == DatabaseProvider.Postgres ? CmsMigrator.Postgres : CmsMigrator.Sqlite;
        IReadOnlyList<MigrationStatus> migrations;
        try
        {
            migrations = await Task.Run(() => CmsMigrator.ListMigrations(provider, options.ConnectionString), cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("The migration version table cannot be read.");
        }

        var pending = migrations.Where(m => !m.Applied).Select(m => m.Version).ToList();
        if (pending.Count > 0)
        {
            return HealthCheckResult.Unhealthy(
                $"The database lacks {pending.Count} migration(s) of this build: run the migration command.",
                data: new Dictionary<string, object> { ["pending"] = string.Join(",", pending) });
        }

        _currentUntil = clock.GetUtcNow() + Recheck;
        return HealthCheckResult.Healthy("Migrations are current.");
    }
}
