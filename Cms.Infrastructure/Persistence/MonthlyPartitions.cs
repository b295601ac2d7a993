using Npgsql;

namespace Cms.Infrastructure.Persistence;

/// <summary>
/// PostgreSQL: keeps the monthly partitions of audit_entries and events created ahead of time through the owner's
/// SECURITY DEFINER function ensure_monthly_partitions (cms_app has no DDL rights). The function creates, for both
/// tables, the current month and up to <c>monthsAhead</c> months after it (at most 24), by the database's clock, and
/// returns how many partitions it created; in the steady state it creates nothing and takes no lock on either table.
/// See the migrations AuditEntriesPartitioned and EventsPartitioned.
/// </summary>
public sealed class MonthlyPartitions(NpgsqlDataSource dataSource)
{
    public async Task<int> EnsureAsync(int monthsAhead, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(monthsAhead);
        await using var command = dataSource.CreateCommand("SELECT ensure_monthly_partitions(@months)");
        command.Parameters.AddWithValue("months", monthsAhead);
        return (int)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}
