using System.Collections.Concurrent;
using System.Diagnostics;

namespace Cms.Tests.Support;

/// <summary>
/// The statements Npgsql sends while this is alive, from its tracing (the query text its spans carry), for tests that
/// check what reached the server. Dispose it to stop listening.
/// </summary>
public sealed class NpgsqlStatements : IDisposable
{
    private readonly ConcurrentQueue<string> _sent = new();
    private readonly ActivityListener _listener;

    public NpgsqlStatements()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == "Npgsql",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a =>
            {
                if ((a.GetTagItem("db.query.text") ?? a.GetTagItem("db.statement")) is string text)
                {
                    _sent.Enqueue(text);
                }
            },
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>The statements sent so far, in the order their spans ended.</summary>
    public IReadOnlyList<string> Sent => [.. _sent];

    public void Dispose() => _listener.Dispose();
}
