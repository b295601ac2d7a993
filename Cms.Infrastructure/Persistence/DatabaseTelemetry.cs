using System.Diagnostics;

namespace Cms.Infrastructure.Persistence;

/// <summary>
/// Client spans for database commands on providers without their own instrumentation (SQLite; Npgsql has its own
/// "Npgsql" source). Following the OpenTelemetry database conventions: span name = the statement's operation, the
/// parameterised SQL text as <c>db.query.text</c> (values travel as parameters, so never personal data).
/// <para>
/// Background loops (webhook polling every second, the overdue count every minute) run statements with no request
/// behind them: each would become a trace of its own and bury the requests' traces in Jaeger. Inside
/// <see cref="BackgroundWork"/> a statement is traced only as part of a trace that is already running (so a span
/// around a unit of background work still shows its statements); elsewhere every statement is traced. The same rule
/// filters Npgsql's spans (<see cref="ShouldTrace"/>, the data sources' tracing filter).
/// </para>
/// </summary>
public static class DatabaseTelemetry
{
    public const string SourceName = "Cms.Database";

    public static readonly ActivitySource Source = new(SourceName);

    private static readonly AsyncLocal<bool> InBackground = new();

    /// <summary>Whether a statement starting now gets a span: not in background work unless inside a running trace.</summary>
    public static bool ShouldTrace => !InBackground.Value || Activity.Current is not null;

    /// <summary>
    /// Marks the calling flow (and everything it awaits) as background work until disposed: its statements make no
    /// root spans. Called at the top of a background loop.
    /// </summary>
    public static IDisposable BackgroundWork()
    {
        var previous = InBackground.Value;
        InBackground.Value = true;
        return new Restore(previous);
    }

    public static Activity? StartCommand(string system, string sql)
    {
        if (!Source.HasListeners() || !ShouldTrace)
        {
            return null;
        }

        var operation = OperationOf(sql);
        var activity = Source.StartActivity(operation.Length == 0 ? system : operation, ActivityKind.Client);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("db.system.name", system);
            activity.SetTag("db.operation.name", operation.Length == 0 ? null : operation);
            activity.SetTag("db.query.text", sql);
        }

        return activity;
    }

    public static void Failed(Activity? activity, Exception exception)
    {
        if (activity is null)
        {
            return;
        }

        activity.SetStatus(ActivityStatusCode.Error, exception.GetType().Name);
        activity.SetTag("error.type", exception.GetType().FullName);
    }

    /// <summary>The first keyword of the statement (SELECT, INSERT, UPDATE, DELETE, WITH ...), upper-cased.</summary>
    internal static string OperationOf(string sql)
    {
        var text = sql.AsSpan().TrimStart();
        var end = 0;
        while (end < text.Length && char.IsAsciiLetter(text[end]))
        {
            end++;
        }

        return text[..end].ToString().ToUpperInvariant();
    }

    private sealed class Restore(bool previous) : IDisposable
    {
        public void Dispose() => InBackground.Value = previous;
    }
}
