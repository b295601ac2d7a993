using Npgsql;

namespace Cms.Infrastructure.Persistence;

/// <summary>
/// One PostgreSQL connection string as the service uses it. One host: Npgsql's pooled data source. Several hosts
/// (<c>Host=node-1:5432,node-2:5432;Target Session Attributes=primary</c>, the Patroni pair of docs/operations.md): an
/// Npgsql multi-host data source that finds the host of the kind asked for (the primary; <c>prefer-standby</c> for the
/// read side). Npgsql refuses <c>Target Session Attributes</c> in a data source's own connection string, so it is read off
/// the string here and applied with <see cref="NpgsqlMultiHostDataSource.WithTargetSession"/>: operators write one
/// ordinary connection string either way.
/// </summary>
public sealed class PostgresDataSource : IAsyncDisposable
{
    private readonly NpgsqlMultiHostDataSource? _hosts;

    public PostgresDataSource(NpgsqlDataSourceBuilder builder)
    {
        var settings = builder.ConnectionStringBuilder;
        if (settings.Host?.Contains(',', StringComparison.Ordinal) != true)
        {
            Source = builder.Build();
            return;
        }

        var target = TargetOf(settings.TargetSessionAttributes);
        settings.TargetSessionAttributes = null;
        _hosts = builder.BuildMultiHost();
        Source = _hosts.WithTargetSession(target);
    }

    /// <summary>Where connections come from (disposed by its own registration; a multi-host one by this owner).</summary>
    public NpgsqlDataSource Source { get; }

    /// <summary>
    /// Drops the idle connections (an outage or a failover has ended them) and, with several hosts, what the data source
    /// remembers of each host's role (for <c>Host Recheck Seconds</c>, 10 s by default): after a failover the promoted
    /// standby is tried as the primary at once, not ten seconds later.
    /// </summary>
    public void ClearConnectionsAndHostStates()
    {
        Source.Clear();
        _hosts?.ClearDatabaseStates();
    }

    public ValueTask DisposeAsync() => _hosts?.DisposeAsync() ?? ValueTask.CompletedTask;

    private static TargetSessionAttributes TargetOf(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        null or "" or "any" => TargetSessionAttributes.Any,
        "primary" => TargetSessionAttributes.Primary,
        "standby" => TargetSessionAttributes.Standby,
        "prefer-primary" => TargetSessionAttributes.PreferPrimary,
        "prefer-standby" => TargetSessionAttributes.PreferStandby,
        "read-write" => TargetSessionAttributes.ReadWrite,
        "read-only" => TargetSessionAttributes.ReadOnly,
        _ => throw new InvalidOperationException("Target Session Attributes must be one of any, primary, standby, prefer-primary, " +
                                                 "prefer-standby, read-write, read-only."),
    };
}
