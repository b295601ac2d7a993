using Microsoft.Data.Sqlite;
using Npgsql;

namespace Cms.Infrastructure.Resilience;

/// <summary>What kind of database failure an exception is, for the retry and the circuit breaker.</summary>
public enum DatabaseFault
{
    /// <summary>Not transient: retrying would fail the same way (or is not known to be safe).</summary>
    None,

    /// <summary>The transaction lost a race (serialization failure 40001, deadlock 40P01, lock not available, SQLite busy): retry it.</summary>
    Contention,

    /// <summary>The database could not be reached or dropped the connection before COMMIT: retry it; the breaker counts it.</summary>
    Unavailable,

    /// <summary>The connection was lost during COMMIT: the transaction may or may not have committed.</summary>
    CommitOutcomeUnknown,
}

/// <summary>The connection was lost while COMMIT was under way; whether the transaction committed is unknown.</summary>
public sealed class CommitOutcomeUnknownException(Exception inner)
    : Exception("The database connection was lost during COMMIT; the transaction may or may not have committed.", inner);

public static class DatabaseFaults
{
    public static DatabaseFault Classify(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            switch (current)
            {
                case CommitOutcomeUnknownException:
                    return DatabaseFault.CommitOutcomeUnknown;
                case PostgresException postgres:
                    return Classify(postgres);
                case NpgsqlException npgsql:
                    // No answer from the server: broken socket, refused connection, timeout; or, with several hosts,
                    // none of them is (yet) the kind asked for.
                    return npgsql.IsTransient || NoSuitableHost(npgsql) ? DatabaseFault.Unavailable : DatabaseFault.None;
                case SqliteException { SqliteErrorCode: 5 or 6 }: // SQLITE_BUSY, SQLITE_LOCKED
                    return DatabaseFault.Contention;
            }
        }

        return DatabaseFault.None;
    }

    /// <summary>A short, fixed label of the failure for spans, metrics and logs (never the message: it may quote data).</summary>
    public static string Reason(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            switch (current)
            {
                case CommitOutcomeUnknownException:
                    return "commit_outcome_unknown";
                case PostgresException postgres:
                    return postgres.SqlState;
                case NpgsqlException npgsql when npgsql.IsTransient || NoSuitableHost(npgsql):
                    return "connection";
                case SqliteException sqlite:
                    return $"sqlite_{sqlite.SqliteErrorCode}";
            }
        }

        return exception.GetType().Name;
    }

    /// <summary>
    /// True when the exception means the connection itself is gone (no server answer, or a FATAL error that ends the
    /// session): raised during COMMIT, the outcome of the transaction is unknown.
    /// </summary>
    public static bool IsConnectionLoss(Exception exception) => exception switch
    {
        PostgresException postgres => postgres.Severity is "FATAL" or "PANIC" || postgres.SqlState.StartsWith("08", StringComparison.Ordinal),
        NpgsqlException => true,
        _ => false,
    };

    /// <summary>
    /// A multi-host connection string (<c>Host=a,b;Target Session Attributes=primary</c>) found no host of the kind asked
    /// for: during a failover the old primary refuses connections and the standby is not promoted yet, or the driver
    /// still remembers the hosts' earlier states. Npgsql reports it as "Unable to connect to a suitable host" around
    /// the hosts' own errors (transient when each of them is) or, when it tried none, "No suitable host was found"
    /// with nothing inside. Both pass once the new primary answers: retry them like a refused connection.
    /// </summary>
    private static bool NoSuitableHost(NpgsqlException npgsql) => npgsql.InnerException switch
    {
        AggregateException hosts => hosts.InnerExceptions.Count > 0 &&
                                    hosts.InnerExceptions.All(e => Classify(e) == DatabaseFault.Unavailable),
        null => npgsql is not PostgresException && npgsql.Message.StartsWith("No suitable host", StringComparison.Ordinal),
        _ => false,
    };

    private static DatabaseFault Classify(PostgresException postgres) => postgres.SqlState switch
    {
        PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.LockNotAvailable =>
            DatabaseFault.Contention,
        PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown or PostgresErrorCodes.CannotConnectNow
            or PostgresErrorCodes.TooManyConnections => DatabaseFault.Unavailable,
        // A statement that ran out of time would most likely run out again, and retrying multiplies the load.
        PostgresErrorCodes.QueryCanceled => DatabaseFault.None,
        var state when state.StartsWith("08", StringComparison.Ordinal) => DatabaseFault.Unavailable, // connection exceptions
        _ => postgres.IsTransient ? DatabaseFault.Unavailable : DatabaseFault.None,
    };
}
