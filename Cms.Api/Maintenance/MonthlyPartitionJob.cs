using Cms.Infrastructure.Persistence;

namespace Cms.Api.Maintenance;

/// <summary>
/// Configuration section <c>Cms:Audit</c>: the partition horizon of the audit trail and the change feed's events
/// (PostgreSQL). The keys kept the section they had when only the audit trail was partitioned, so existing
/// configuration keeps working.
/// </summary>
public sealed class MonthlyPartitionOptions
{
    public const string Section = "Cms:Audit";

    /// <summary>Months after the current one whose partitions (audit entries and events) must exist (0–24).</summary>
    public int PartitionMonthsAhead { get; set; } = 3;

    /// <summary>How often the service checks the horizon.</summary>
    public TimeSpan PartitionCheckInterval { get; set; } = TimeSpan.FromHours(6);
}

/// <summary>
/// PostgreSQL: at start-up and then every <see cref="MonthlyPartitionOptions.PartitionCheckInterval"/>, makes sure the
/// month partitions of audit_entries and events exist from the current month to
/// <see cref="MonthlyPartitionOptions.PartitionMonthsAhead"/> ahead (<see cref="MonthlyPartitions"/>). With no partition
/// for the month an audit entry or event falls in, the command that writes it fails and rolls back (no change without
/// its audit entry and its event), so a failure here is logged as an error and retried soon; the migration command
/// creates the same horizon, so one missed run costs nothing.
/// </summary>
public sealed class MonthlyPartitionJob(MonthlyPartitions partitions, MonthlyPartitionOptions options, ILogger<MonthlyPartitionJob> logger)
    : BackgroundService
{
    private static readonly TimeSpan RetryAfterFailure = TimeSpan.FromMinutes(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var delay = options.PartitionCheckInterval;
            try
            {
                var created = await partitions.EnsureAsync(options.PartitionMonthsAhead, stoppingToken);
                if (created > 0)
                {
                    logger.LogInformation("Created {Count} month partition(s) of audit_entries and events; the current month and {MonthsAhead} ahead exist",
                        created, options.PartitionMonthsAhead);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Could not create the month partitions of audit_entries and events ahead of time; retrying in {Delay}", RetryAfterFailure);
                delay = RetryAfterFailure;
            }

            try
            {
                await Task.Delay(delay, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
