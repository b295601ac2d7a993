using System.Reflection;
using Cms.Api;
using Cms.Application.Common;
using Cms.Domain.Common;
using Cms.Infrastructure.Persistence;
using Mediator;
using NetArchTest.Rules;

namespace Cms.Tests.Architecture;

/// <summary>The layer rules of architecture.md, pinned: a reference in the wrong direction fails the build's tests.</summary>
public sealed class LayerTests
{
    private static readonly Assembly Domain = typeof(Result).Assembly;
    private static readonly Assembly Application = typeof(UseCase).Assembly;
    private static readonly Assembly Infrastructure = typeof(DbSession).Assembly;
    private static readonly Assembly Api = typeof(CmsApi).Assembly;

    private static readonly string[] DataAccess = ["Dapper", "Npgsql", "Microsoft.Data.Sqlite", "System.Data"];

    [Test]
    public void The_domain_references_nothing_but_the_base_library()
    {
        var references = Domain.GetReferencedAssemblies().Select(a => a.Name ?? "").ToList();
        Assert.That(references.Where(name => !name.StartsWith("System.", StringComparison.Ordinal)), Is.Empty,
            "Cms.Domain may reference only the base class library (no packages, no I/O).");
        Assert.That(references, Has.None.StartsWith("System.Data").And.None.StartsWith("System.Net."));
    }

    [Test]
    public void The_domain_depends_on_no_other_layer() =>
        AssertNoDependency(Domain, "Cms.Application", "Cms.Infrastructure", "Cms.Api", "Cms.Migrations", "Mediator");

    [Test]
    public void The_application_depends_only_on_the_domain_and_abstractions()
    {
        AssertNoDependency(Application, ["Cms.Infrastructure", "Cms.Api", "Cms.Migrations", "Microsoft.AspNetCore", .. DataAccess]);
        var references = Application.GetReferencedAssemblies().Select(a => a.Name ?? "").ToList();
        Assert.That(references.Where(name => !(
            name.StartsWith("System.", StringComparison.Ordinal) || name is "Cms.Domain" or "Mediator" ||
            (name.StartsWith("Microsoft.Extensions.", StringComparison.Ordinal) && name.EndsWith(".Abstractions", StringComparison.Ordinal)))), Is.Empty);
    }

    [Test]
    public void Only_the_infrastructure_touches_data_access_libraries()
    {
        AssertNoDependency(Api, ["Dapper", "Microsoft.Data.Sqlite", "Npgsql"]);
        var dataTypes = Types.InAssembly(Infrastructure).That().HaveDependencyOnAny(DataAccess).GetTypes();
        Assert.That(dataTypes, Is.Not.Empty, "the infrastructure is where SQL lives");
    }

    [Test]
    public void The_infrastructure_does_not_depend_on_the_api() => AssertNoDependency(Infrastructure, "Cms.Api", "Microsoft.AspNetCore");

    [Test]
    public void The_mediator_is_generated_in_the_api_only()
    {
        Assert.That(typeof(Mediator.Mediator).Assembly, Is.SameAs(Api), "the source generator runs in Cms.Api");
        foreach (var assembly in new[] { Domain, Application, Infrastructure })
        {
            Assert.That(assembly.GetTypes().Where(t => t.FullName == "Mediator.Mediator"), Is.Empty, assembly.GetName().Name);
        }
    }

    [Test]
    public void Every_use_case_message_is_sealed_and_has_one_handler()
    {
        var messages = Application.GetTypes().Where(t => typeof(IUseCaseMessage).IsAssignableFrom(t) && t is { IsClass: true, IsAbstract: false }).ToList();
        Assert.That(messages, Is.Not.Empty);
        var handlerInterfaces = new[] { typeof(ICommandHandler<,>), typeof(IQueryHandler<,>) };
        foreach (var message in messages)
        {
            Assert.That(message.IsSealed, Is.True, $"{message.Name} is sealed");
            var handlers = Application.GetTypes().Where(t => !t.IsAbstract && t.GetInterfaces().Any(i =>
                i.IsGenericType && handlerInterfaces.Contains(i.GetGenericTypeDefinition()) && i.GenericTypeArguments[0] == message)).ToList();
            Assert.That(handlers, Has.Count.EqualTo(1), $"{message.Name} has exactly one handler");
        }
    }

    [Test]
    public void Every_use_case_of_the_permission_matrix_has_a_message()
    {
        var used = Application.GetTypes()
            .Where(t => typeof(IUseCaseMessage).IsAssignableFrom(t) && t is { IsClass: true, IsAbstract: false })
            .Select(t => ((IUseCaseMessage)System.Runtime.CompilerServices.RuntimeHelpers.GetUninitializedObject(t)).UseCase)
            .ToHashSet();
        Assert.That(Enum.GetValues<UseCase>().Except(used), Is.Empty, "a use case in the matrix with no message is dead");
    }

    // Namespaces of Cms.Application that are not features: the ports and context every feature uses, the pipeline, helpers.
    private static readonly string[] ApplicationBase =
        ["Cms.Application", "Cms.Application.Abstractions", "Cms.Application.Behaviours", "Cms.Application.Common"];

    [Test]
    public void Each_use_case_has_its_own_folder()
    {
        var messages = Application.GetTypes().Where(t => typeof(IUseCaseMessage).IsAssignableFrom(t) && t is { IsClass: true, IsAbstract: false }).ToList();
        foreach (var message in messages)
        {
            // Cms.Application.<Feature>[.<Sub-feature>].<UseCase>: the namespace is the folder.
            Assert.That(message.Namespace?.Split('.'), Has.Length.GreaterThanOrEqualTo(4), $"{message.Name} lives in a use-case folder");
        }

        var shared = messages.GroupBy(m => m.Namespace).Where(g => g.Count() > 1).Select(g => $"{g.Key}: {string.Join(", ", g.Select(m => m.Name))}");
        Assert.That(shared, Is.Empty, "one use case per folder");
    }

    [Test]
    public void The_abstractions_import_no_feature()
    {
        var features = Application.GetTypes().Select(t => t.Namespace ?? "").Where(n => n.StartsWith("Cms.Application.", StringComparison.Ordinal))
            .Select(n => string.Join('.', n.Split('.').Take(3))).Distinct().Except(ApplicationBase).ToArray();
        Assert.That(features, Does.Contain("Cms.Application.Complaints"));
        var result = Types.InAssembly(Application).That().ResideInNamespace("Cms.Application.Abstractions")
            .ShouldNot().HaveDependencyOnAny(features).GetResult();
        Assert.That(result.FailingTypeNames ?? [], Is.Empty, "Abstractions is below the features: it must not import them");
    }

    [Test]
    public void Handlers_are_internal()
    {
        var handlerInterfaces = new[] { typeof(ICommandHandler<,>), typeof(IQueryHandler<,>) };
        var handlers = Application.GetTypes().Where(t => t is { IsClass: true, IsAbstract: false } && t.GetInterfaces().Any(i =>
            i.IsGenericType && handlerInterfaces.Contains(i.GetGenericTypeDefinition()))).ToList();
        Assert.That(handlers, Has.Count.GreaterThan(50));
        Assert.That(handlers.Where(t => t.IsPublic || t.IsNestedPublic).Select(t => t.Name), Is.Empty,
            "handlers are reached through the mediator only");
    }

    private static void AssertNoDependency(Assembly assembly, params string[] namespaces)
    {
        var result = Types.InAssembly(assembly).ShouldNot().HaveDependencyOnAny(namespaces).GetResult();
        Assert.That(result.FailingTypeNames ?? [], Is.Empty, $"{assembly.GetName().Name} must not depend on {string.Join(", ", namespaces)}");
    }
}
