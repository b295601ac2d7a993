using System.Reflection;
using Cms.Application.Abstractions;
using Cms.Application.Audit;
using Cms.Application.Common;
using Cms.Domain.Events;
using Mediator;

namespace Cms.Tests.Events;

/// <summary>
/// Why no command can commit a change without its change-feed event: the event is written by
/// <c>AuditTrail.RecordAsync</c>, the one call every command already makes for its audit entry (so auditing
/// without publishing is impossible), and every command handler of the application is built with an AuditTrail
/// (checked here over all of them, so a new command that forgets it fails this test).
/// </summary>
public sealed class OutboxCoverageTests
{
    private static readonly Assembly Application = typeof(UseCase).Assembly;

    /// <summary>Commands that change nothing and so have nothing to record. Empty today; keep it short and justified.</summary>
    private static readonly HashSet<string> RecordNothing = [];

    /// <summary>Commands recorded on the platform's own audit chain instead (ADR 0018): they act on a suspended tenant as a
    /// whole, whose own chain and feed the deletion removes with it.</summary>
    private static readonly HashSet<string> RecordedOnThePlatformChain = ["OffboardTenantHandler", "ExportTenantHandler"];

    [Test]
    public void Every_command_handler_is_built_with_the_audit_trail_that_writes_the_event()
    {
        var handlers = Application.GetTypes()
            .Where(t => t is { IsAbstract: false, IsGenericTypeDefinition: false }
                        && t.GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(ICommandHandler<,>)))
            .ToList();
        Assert.That(handlers, Has.Count.GreaterThanOrEqualTo(20), "the command handlers were found");

        var without = handlers
            .Where(h => !RecordNothing.Contains(h.Name) && !RecordedOnThePlatformChain.Contains(h.Name))
            .Where(h => h.GetConstructors().All(c => c.GetParameters().All(p => !Records(p.ParameterType))))
            .Select(h => h.Name)
            .ToList();
        Assert.That(without, Is.Empty, "command handlers that cannot record their change (audit entry and change-feed event)");
        var platform = handlers.Where(h => RecordedOnThePlatformChain.Contains(h.Name)).ToList();
        Assert.That(platform.Select(h => h.Name), Is.EquivalentTo(RecordedOnThePlatformChain), "the exempted handlers exist");
        Assert.That(platform.Where(h => h.GetConstructors().All(c => c.GetParameters().All(p => p.ParameterType.Name != "PlatformAuditTrail"))),
            Is.Empty, "the exempted handlers write the platform audit chain");
    }

    /// <summary>The audit trail, or a shared step of several use cases built with it (the consumer's erasure, for the
    /// erasure request and the retention job).</summary>
    private static bool Records(Type type) =>
        type == typeof(AuditTrail) || (type.Assembly == Application && type.GetConstructors().Any(c => c.GetParameters().Any(p => p.ParameterType == typeof(AuditTrail))));

    [Test]
    public void The_audit_trail_cannot_be_built_without_the_outbox()
    {
        var constructors = typeof(AuditTrail).GetConstructors();
        Assert.That(constructors, Has.Length.EqualTo(1));
        Assert.That(constructors[0].GetParameters().Select(p => p.ParameterType), Does.Contain(typeof(IEventOutbox)));
    }

    [Test]
    public async Task Recording_a_change_writes_the_audit_entry_and_the_event_from_the_same_facts()
    {
        var world = new Application.World();
        var cast = world.SeedCast();
        var acting = world.ActAs(cast.Agent);
        var entityId = Guid.NewGuid();

        await acting.Audit.RecordAsync("complaint.assigned", AuditTrail.Complaint, entityId, 7, ["assigneeId"], CancellationToken.None);

        var entry = acting.AuditEntries.Single();
        var (position, change) = acting.Db.Events.Single();
        Assert.That(position, Is.EqualTo(1));
        Assert.That(change, Is.EqualTo(new ChangeEvent(change.Id, cast.Tenant.Id, "complaint.assigned", "complaint", entityId, 7, entry.OccurredAt,
            entry.ChangedFields)));
        Assert.That(change.Id, Is.Not.EqualTo(entry.Id).And.Not.EqualTo(Guid.Empty));
    }
}
