using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Cms.Application.Audit;
using Cms.Application.Common;
using Cms.Application.Complaints;
using Cms.Tests.Support;

namespace Cms.Tests.Events;

/// <summary>
/// The event types a consumer of the change feed is told about (docs/events.md) are exactly those the service can emit:
/// <see cref="EventTypes.All"/>, which <c>AuditTrail.RecordAsync</c> enforces. The actions written in the
/// application (the transition handlers' <c>Action</c> and every literal passed to <c>RecordAsync</c>) are checked to be
/// declared, so a new command fails here rather than in production.
/// </summary>
public sealed partial class EventTypesTests
{
    private static readonly Assembly Application = typeof(UseCase).Assembly;

    private static IReadOnlyList<string> DocumentedTypes()
    {
        var doc = File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", "events.md"));
        var start = doc.IndexOf("<!-- event-types -->", StringComparison.Ordinal);
        var end = doc.IndexOf("<!-- /event-types -->", StringComparison.Ordinal);
        Assert.That(start, Is.GreaterThanOrEqualTo(0).And.LessThan(end), "docs/events.md marks its event-type table");
        return [.. doc[start..end].Split('\n').Select(line => TableRowType().Match(line)).Where(m => m.Success).Select(m => m.Groups[1].Value)];
    }

    [Test]
    public void Docs_events_md_lists_exactly_the_declared_event_types_once_each()
    {
        var documented = DocumentedTypes();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(documented, Is.Unique);
            Assert.That(documented.Except(EventTypes.All), Is.Empty, "documented but never emitted");
            Assert.That(EventTypes.All.Except(documented), Is.Empty, "emitted but not in docs/events.md");
        }
    }

    [Test]
    public void Every_declared_type_is_entity_dot_past_tense()
    {
        Assert.That(EventTypes.All.Where(t => !EventType().IsMatch(t)), Is.Empty);
    }

    [Test]
    public void Every_transition_handlers_action_is_declared()
    {
        var handlers = Application.GetTypes()
            .Where(t => !t.IsAbstract && t.BaseType is { IsGenericType: true } b && b.GetGenericTypeDefinition() == typeof(ComplaintTransitionHandler<>))
            .ToList();
        Assert.That(handlers, Has.Count.GreaterThanOrEqualTo(15), "the transition handlers were found");

        // Action is a constant expression of each handler: read it from an instance built without its services.
        var actions = handlers.ToDictionary(h => h.Name, h => (string)h.GetProperty("Action", BindingFlags.Instance | BindingFlags.NonPublic)!
            .GetValue(RuntimeHelpers.GetUninitializedObject(h))!);

        Assert.That(actions.Where(a => !EventTypes.All.Contains(a.Value)).Select(a => $"{a.Key}: {a.Value}"), Is.Empty);
    }

    [Test]
    public void Every_action_the_application_source_records_is_declared()
    {
        var sources = Directory.EnumerateFiles(Path.Combine(RepoPaths.Root, "Cms.Application"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                        && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                        && !f.EndsWith("EventTypes.cs", StringComparison.Ordinal))
            .ToList();
        // The action argument of RecordAsync calls: literals (also both arms of a conditional) or a string constant of the
        // same file; and the transition handlers' Action properties.
        var literals = sources
            .SelectMany(f =>
            {
                var text = File.ReadAllText(f);
                var calls = RecordCall().Matches(text).Select(m => m.Groups[1].Value).ToList();
                var inCalls = calls.SelectMany(c => Literal().Matches(c)).Select(m => m.Groups[1].Value);
                var viaConstants = calls.Select(c => c.Split(',')[0].Trim()).Where(id => Identifier().IsMatch(id) && id != "Action")
                    .Select(id => Regex.Match(text, $@"const string {id} = ""([a-z_]+\.[a-z_]+)""")).Select(m => m.Success ? m.Groups[1].Value : "(unresolved)");
                var inActions = ActionProperty().Matches(text).Select(m => m.Groups[1].Value);
                return inCalls.Concat(viaConstants).Concat(inActions).Select(type => (File: Path.GetFileName(f), Type: type));
            })
            .ToList();
        Assert.That(literals, Has.Count.GreaterThanOrEqualTo(30), "the recorded actions were found in the source");

        Assert.That(literals.Where(l => !EventTypes.All.Contains(l.Type)).Select(l => $"{l.File}: {l.Type}"), Is.Empty);
        Assert.That(EventTypes.All.Except(literals.Select(l => l.Type)), Is.Empty, "declared but recorded nowhere");
    }

    [Test]
    public void Recording_an_undeclared_type_is_refused_and_writes_nothing()
    {
        var world = new Application.World();
        var cast = world.SeedCast();
        var acting = world.ActAs(cast.Agent);

        Assert.That(async () => await acting.Audit.RecordAsync("complaint.teleported", AuditTrail.Complaint, Guid.NewGuid(), 1, ["status"],
            CancellationToken.None), Throws.InvalidOperationException);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(acting.AuditEntries, Is.Empty);
            Assert.That(acting.Db.Events, Is.Empty);
        }
    }

    [GeneratedRegex(@"^\|\s*`([a-z_]+\.[a-z_]+)`\s*\|")]
    private static partial Regex TableRowType();

    [GeneratedRegex(@"^[a-z]+(_[a-z]+)*\.[a-z]+(_[a-z]+)*$")]
    private static partial Regex EventType();

    /// <summary>The arguments of an audit call before the entity type (AuditTrail.X), where the action is.</summary>
    [GeneratedRegex(@"\.RecordAsync\(([^;]*?)AuditTrail\.")]
    private static partial Regex RecordCall();

    [GeneratedRegex(@"""([a-z_]+\.[a-z_]+)""")]
    private static partial Regex Literal();

    [GeneratedRegex(@"string Action =>\s*""([a-z_]+\.[a-z_]+)""")]
    private static partial Regex ActionProperty();

    [GeneratedRegex(@"^[A-Z]\w*$")]
    private static partial Regex Identifier();
}
