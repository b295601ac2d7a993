namespace Cms.Infrastructure.Persistence;

public enum DatabaseProvider
{
    Sqlite,
    Postgres,
}

/// <summary>Configuration section <c>Cms:Database</c>.</summary>
public sealed class DatabaseOptions
{
    public const string Section = "Cms:Database";

    /// <summary><c>sqlite</c> (the embedded default) or <c>postgres</c>.</summary>
    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    /// <summary>The service's own connection: on PostgreSQL the <c>cms_app</c> login (not an owner, no BYPASSRLS).</summary>
    public string ConnectionString { get; set; } = "Data Source=cms-local.db";

    /// <summary>
    /// On PostgreSQL, optionally, the connection of the CQRS read side: a streaming replica (hot standby), logged in as
    /// <c>cms_app</c> too. Queries outside commands read there; commands, and every read inside a command, stay on
    /// <see cref="ConnectionString"/>. Empty: everything uses the primary. A multi-host string with
    /// <c>Target Session Attributes=prefer-standby</c> falls back to the primary when no replica answers.
    /// </summary>
    public string? ReadConnectionString { get; set; }

    /// <summary>
    /// On PostgreSQL, the owner's connection (<c>cms_owner</c>) used to migrate at start-up; when empty the service does
    /// not migrate PostgreSQL itself (operators run the migration command). SQLite always migrates at start-up.
    /// </summary>
    public string? MigrationConnectionString { get; set; }

    /// <summary>Seconds a statement may run. PostgreSQL: the server's statement_timeout for each transaction (the client
    /// waits 5 s longer, so the server ends the statement itself); SQLite: how long a statement waits and runs.</summary>
    public int CommandTimeoutSeconds { get; set; } = 30;

    /// <summary>On PostgreSQL, whether the database is a Citus coordinator (the bulk import then takes the path Citus
    /// accepts, ADR 0020). Unset: read once from <c>pg_extension</c> the first time it matters.</summary>
    public bool? Citus { get; set; }
}
