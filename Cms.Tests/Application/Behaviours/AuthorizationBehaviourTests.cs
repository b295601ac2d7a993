using Cms.Application.Abstractions;
using Cms.Application.Behaviours;
using Cms.Application.Common;
using Cms.Domain.Audit;
using Cms.Domain.Common;
using Cms.Domain.Staff;
using Cms.Tests.Application.Fakes;

namespace Cms.Tests.Application;

public sealed class AuthorizationBehaviourTests
{
    private static readonly UseCase[] TenantUseCases = [.. Enum.GetValues<UseCase>().Where(u => !Permissions.IsPlatformUseCase(u))];

    // Who may do what, as domain.md ("Staff and roles") and api.md ("Resources", the "who" column) state it. Use cases
    // are named, not referenced, so the table can name ones still being built (the audit chain's verification). A new
    // use case is expected to be tenant_admin's alone until it is placed here: the matrix is checked against the docs, not copied.
    private static readonly string[] AgentPlus =
    [
        "RegisterConsumer", "GetConsumer", "FindConsumers", "UpdateConsumer", "FileComplaint", "GetComplaint", "ListComplaints",
        "AcknowledgeComplaint", "StartInvestigation", "AwaitConsumer", "AssignComplaint", "ResolveComplaint", "CloseComplaint",
        "ReferComplaint", "RecordReferralOutcome", "AddNote", "GetComplaintHistory", "CorrectReceivedAt", "SetPaymentServices",
        "SetDisability", "ListDueComplaints", "GetCalendar", "GetClockSettings",
        // Outcomes and classification (issue 7): steps on a complaint, and reading the taxonomies complaints are classified with.
        "RecordResponse", "ReclassifyComplaint", "RecordVulnerability", "MergeComplaints", "GetTaxonomy",
        // A fact that drives the deadlines, as the flags above (Regulation E provisional credit).
        "RecordProvisionalCredit",
        // The tenant's queues are visible to whoever handles or reads complaints.
        "ListQueues", "GetQueue",
        // api.md v1.1: the legal entities complaints are filed under (GET /v1/legal-entities: agent+, auditor), and the
        // mappings of the tenant's codes onto the regulators' taxonomies.
        "ListLegalEntities", "GetReturnMapping",
        // api.md v1.1 letters (issue 20): reading templates and requirements, rendering, listing and reporting letters sent.
        "ListLetterTemplates", "GetLetterRequirements", "DraftLetter", "ListLetters", "RecordLetterSent",
    ];

    /// <summary>api.md v1.1: the FCA return (supervisor+, auditor), as the other regulators' reports; freezing it (supervisor+).</summary>
    private static readonly string[] FcaReturnReaders = ["GetFcaReturn", "ListFcaReturnSnapshots", "ListUnmappedComplaints", "GetDotDisabilityReport"];

    /// <summary>Tenant use cases that api.md reserves to a role other than tenant_admin.</summary>
    private static readonly string[] NotForTenantAdmin = ["VerifyAuditChain", "ListEvents", "ApproveLetter"];

    private static readonly Dictionary<Role, Func<string, bool>> Allowed = new()
    {
        [Role.Agent] = AgentPlus.Contains,
        [Role.Supervisor] = name => AgentPlus.Contains(name) || name is "ReopenComplaint" or "ListStaff" or "GetStaff" or "GetComplaintsReport"
            or "ReplaceStaffQueues" or "MoveComplaintQueue" or "TakeFcaReturnSnapshot" or "PublishLetterTemplate" or "ApproveLetter"
            || FcaReturnReaders.Contains(name),
        [Role.TenantAdmin] = name => !NotForTenantAdmin.Contains(name),
        [Role.Auditor] = name => name is "GetComplaint" or "ListComplaints" or "GetComplaintHistory" or "ListAudit" or "VerifyAuditChain"
            or "ListDueComplaints" or "GetCalendar" or "GetClockSettings" or "GetComplaintsReport" or "GetTaxonomy" or "ListQueues"
            or "GetQueue" or "ListLegalEntities" or "GetReturnMapping" or "ListLetters"
            // Reading a tenant setting, as the clock settings (the retention schedule, issue 19; its preview is tenant_admin's).
            or "GetRetentionSchedule" || FcaReturnReaders.Contains(name),
        [Role.Integration] = name => name is "RegisterConsumer" or "GetConsumer" or "FindConsumers" or "FileComplaint" or "GetComplaint"
            or "ListEvents" or "GetTaxonomy" or "RecordLetterSent",
    };

    private sealed class Setup
    {
        public Setup(FakeCurrentPrincipal principal, World? world = null)
        {
            World = world ?? new World();
            Principal = principal;
        }

        public World World { get; }
        public FakeCurrentPrincipal Principal { get; }
        public TenantScope Scope { get; } = new();
        public CallerContext Caller { get; } = new();
        public Next<ProbeMessage> Next { get; } = new();

        public async Task<Result> SendAsync(UseCase useCase)
        {
            var behaviour = new AuthorizationBehaviour<ProbeMessage, Result>(Principal, Scope, Caller, new FakeStaffRepository(World.Db, Scope));
            return await behaviour.Handle(new ProbeMessage(useCase), Next.Invoke, CancellationToken.None);
        }
    }

    private static Error Refused(Result result, ErrorKind kind)
    {
        Assert.That(result.IsSuccess, Is.False, "expected a refusal");
        Assert.That(result.Error!.Kind, Is.EqualTo(kind), result.Error.Message);
        return result.Error;
    }

    [Test]
    public async Task An_unauthenticated_caller_is_unauthorized()
    {
        var setup = new Setup(FakeCurrentPrincipal.Anonymous());
        var emptySubject = new Setup(new FakeCurrentPrincipal { Subject = "", TenantId = Guid.NewGuid() });

        Refused(await setup.SendAsync(UseCase.GetComplaint), ErrorKind.Unauthorized);
        Refused(await setup.SendAsync(UseCase.CreateTenant), ErrorKind.Unauthorized);
        Refused(await emptySubject.SendAsync(UseCase.GetComplaint), ErrorKind.Unauthorized);

        Assert.That(setup.Next.Calls + emptySubject.Next.Calls, Is.Zero);
        Assert.That(setup.Scope.TenantId, Is.Null);
    }

    [TestCase(UseCase.CreateTenant)]
    [TestCase(UseCase.GetTenant)]
    public async Task A_platform_use_case_with_a_tenant_principal_is_forbidden(UseCase useCase)
    {
        var world = new World();
        var cast = world.SeedCast();
        var setup = new Setup(FakeCurrentPrincipal.Tenant(cast.Tenant.Id, cast.Admin.Subject), world);

        Refused(await setup.SendAsync(useCase), ErrorKind.Forbidden);

        Assert.That(setup.Next.Calls, Is.Zero);
    }

    [TestCase(UseCase.CreateTenant)]
    [TestCase(UseCase.GetTenant)]
    public async Task A_platform_use_case_with_a_platform_operator_runs_outside_any_tenant(UseCase useCase)
    {
        var setup = new Setup(FakeCurrentPrincipal.Platform("op-1"));

        var result = await setup.SendAsync(useCase);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.IsSuccess, Is.True);
            Assert.That(setup.Next.Calls, Is.EqualTo(1));
            Assert.That(setup.Caller.ActorType, Is.EqualTo(ActorType.Platform));
            Assert.That(setup.Caller.ActorId, Is.EqualTo("op-1"));
            Assert.That(setup.Caller.Staff, Is.Null);
            Assert.That(setup.Scope.TenantId, Is.Null);
        }
    }

    [TestCase(UseCase.GetComplaint)]
    [TestCase(UseCase.ListAudit)]
    [TestCase(UseCase.AddStaff)]
    public async Task A_tenant_use_case_with_a_platform_principal_is_forbidden(UseCase useCase)
    {
        var setup = new Setup(FakeCurrentPrincipal.Platform());

        Refused(await setup.SendAsync(useCase), ErrorKind.Forbidden);

        Assert.That(setup.Next.Calls, Is.Zero);
        Assert.That(setup.Scope.TenantId, Is.Null);
    }

    [Test]
    public async Task An_unknown_subject_is_forbidden()
    {
        var world = new World();
        var cast = world.SeedCast();
        var setup = new Setup(FakeCurrentPrincipal.Tenant(cast.Tenant.Id, "idp|stranger"), world);

        Refused(await setup.SendAsync(UseCase.GetComplaint), ErrorKind.Forbidden);

        Assert.That(setup.Next.Calls, Is.Zero);
        Assert.That(setup.Caller.Staff, Is.Null);
    }

    [Test]
    public async Task A_deactivated_member_is_forbidden()
    {
        var world = new World();
        var cast = world.SeedCast();
        var gone = world.SeedStaff(cast.Tenant.Id, [Role.TenantAdmin], StaffKind.User, active: false);
        var setup = new Setup(FakeCurrentPrincipal.Tenant(cast.Tenant.Id, gone.Subject), world);

        Refused(await setup.SendAsync(UseCase.GetComplaint), ErrorKind.Forbidden);

        Assert.That(setup.Next.Calls, Is.Zero);
    }

    [Test]
    public async Task A_member_of_another_tenant_is_not_found_in_the_tokens_tenant()
    {
        var world = new World();
        var a = world.SeedCast();
        var b = world.SeedCast();
        // B's admin presents a token of tenant A (same subject, other tenant): looked up in A's scope only.
        var setup = new Setup(FakeCurrentPrincipal.Tenant(a.Tenant.Id, b.Admin.Subject), world);

        Refused(await setup.SendAsync(UseCase.ListAudit), ErrorKind.Forbidden);

        Assert.That(setup.Next.Calls, Is.Zero);
    }

    [TestCase(Role.Agent)]
    [TestCase(Role.Supervisor)]
    [TestCase(Role.TenantAdmin)]
    [TestCase(Role.Auditor)]
    [TestCase(Role.Integration)]
    public async Task Each_role_runs_exactly_the_use_cases_the_docs_give_it(Role role)
    {
        var world = new World();
        var tenant = world.SeedTenant();
        var member = world.SeedStaff(tenant.Id, [role], role == Role.Integration ? StaffKind.ServiceAccount : StaffKind.User);

        using (Assert.EnterMultipleScope())
        {
            foreach (var useCase in TenantUseCases)
            {
                var setup = new Setup(FakeCurrentPrincipal.Tenant(tenant.Id, member.Subject), world);
                var result = await setup.SendAsync(useCase);
                var allowed = Allowed[role](useCase.ToString());
                Assert.That(result.IsSuccess, Is.EqualTo(allowed), $"{role} → {useCase}");
                Assert.That(setup.Next.Calls, Is.EqualTo(allowed ? 1 : 0), $"{role} → {useCase}: next");
                if (!allowed)
                {
                    Assert.That(result.Error?.Kind, Is.EqualTo(ErrorKind.Forbidden), $"{role} → {useCase}");
                    Assert.That(setup.Caller.Staff, Is.Null, "no caller is set for a refused request");
                }
            }
        }
    }

    [Test]
    public async Task An_allowed_caller_is_set_and_the_scope_is_the_tokens_tenant()
    {
        var world = new World();
        var cast = world.SeedCast();
        var setup = new Setup(FakeCurrentPrincipal.Tenant(cast.Tenant.Id, cast.Agent.Subject), world);

        var result = await setup.SendAsync(UseCase.FileComplaint);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.IsSuccess, Is.True);
            Assert.That(setup.Next.Calls, Is.EqualTo(1));
            Assert.That(setup.Scope.TenantId, Is.EqualTo(cast.Tenant.Id));
            Assert.That(setup.Caller.Staff?.Id, Is.EqualTo(cast.Agent.Id));
            Assert.That(setup.Caller.ActorType, Is.EqualTo(ActorType.Staff));
            Assert.That(setup.Caller.ActorId, Is.EqualTo(cast.Agent.Id.ToString()));
        }
    }

    [Test]
    public async Task A_revoked_role_takes_effect_on_the_next_request()
    {
        var world = new World();
        var cast = world.SeedCast();
        var first = new Setup(FakeCurrentPrincipal.Tenant(cast.Tenant.Id, cast.Agent.Subject), world);
        Assert.That((await first.SendAsync(UseCase.AcknowledgeComplaint)).IsSuccess, Is.True);

        var stored = world.Db.Staff[cast.Agent.Id];
        Assert.That(stored.ReplaceRoles([Role.Auditor]).IsSuccess, Is.True);
        var next = new Setup(FakeCurrentPrincipal.Tenant(cast.Tenant.Id, cast.Agent.Subject), world);

        Refused(await next.SendAsync(UseCase.AcknowledgeComplaint), ErrorKind.Forbidden);
        Assert.That(next.Next.Calls, Is.Zero);
    }

    [Test]
    public void Every_message_of_the_application_is_a_use_case_with_a_result()
    {
        // The behaviours are constrained generics: a message that is not an IUseCaseMessage would silently skip
        // authorization, and one whose response is not an IResult would skip every behaviour.
        var messages = typeof(UseCase).Assembly.GetTypes()
            .Where(t => t is { IsAbstract: false, IsInterface: false } && typeof(Mediator.IMessage).IsAssignableFrom(t))
            .ToList();

        Assert.That(messages, Has.Count.GreaterThanOrEqualTo(25));
        using (Assert.EnterMultipleScope())
        {
            foreach (var message in messages)
            {
                Assert.That(typeof(IUseCaseMessage).IsAssignableFrom(message), Is.True, $"{message.Name} is an IUseCaseMessage");
                var response = message.GetInterfaces()
                    .Single(i => i.IsGenericType && (i.GetGenericTypeDefinition() == typeof(Mediator.ICommand<>)
                                                     || i.GetGenericTypeDefinition() == typeof(Mediator.IQuery<>)))
                    .GetGenericArguments()[0];
                Assert.That(response.GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IResult<>)), Is.True,
                    $"{message.Name} answers an IResult");
            }

            Assert.That(messages.Select(m => ((IUseCaseMessage)System.Runtime.CompilerServices.RuntimeHelpers.GetUninitializedObject(m)).UseCase),
                Is.EquivalentTo(Enum.GetValues<UseCase>().Append(UseCase.GetComplaintHistory)),
                "one message per use case (the notes list shares the history's permission)");
        }
    }
}
