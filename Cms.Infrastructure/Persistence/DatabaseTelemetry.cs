using System.Diagnostics;

namespace Cms.Infrastructure.Persistence;

/// <summary>
/// Client spans for database commands on providers without their own instrumentation (SQLite; Npgsql has its own
/// "Npgsql" source). Following the OpenTelemetry database conventions: span name = the statement's operation, the
/// parameterised SQL text as <c>db.query.text</c> (values travel as parameters, so never personal data).
/// </summary>
public static class DatabaseTelemetry
{
    public const string SourceName = "Cms.Database";

    public static readonly ActivitySource Source = new(SourceName);

    public static Activity? StartCommand(string system, string sql)
    {
        if (!Source.HasListeners())
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
}
