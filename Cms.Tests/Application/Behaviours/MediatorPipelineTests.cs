using System.Diagnostics;
using Cms.Api;
using Cms.Application;
using Cms.Application.Abstractions;
using Cms.Application.Audit;
using Cms.Application.Common;
using Cms.Application.Complaints;
using Cms.Application.Complaints.AcknowledgeComplaint;
using Cms.Application.Complaints.FileComplaint;
using Cms.Application.Complaints.GetComplaint;
using Cms.Application.Consumers;
using Cms.Application.Queues;
using Cms.Application.Staff;
using Cms.Application.Tenants;
using Cms.Application.Tenants.CreateTenant;
using Cms.Domain.Audit;
using Cms.Domain.Common;
using Cms.Domain.Complaints;
using Cms.Domain.Staff;
using Cms.Domain.Tenants;
using Cms.Tests.Application.Fakes;
using Mediator;
using Microsoft.Extensions.DependencyInjection;

namespace Cms.Tests.Application;

/// <summary>
/// Messages sent through the real generated mediator, wired as the host wires it (AddCmsApplication + AddCmsMediator),
/// with the fakes as the ports: the behaviours run in the order tracing → authorization → validation → transaction.
/// </summary>
public sealed class MediatorPipelineTests
{
    private World _world = null!;
    private FakeUnitOfWork _unitOfWork = null!;
    private FakeCurrentPrincipal _principal = null!;
    private ServiceProvider _provider = null!;
    private FakeIdempotencyStore _idempotency = null!;

    [SetUp]
    public void BuildContainer()
    {
        _world = new World();
        _unitOfWork = new FakeUnitOfWork();
        _principal = FakeCurrentPrincipal.Anonymous();
        var db = _world.Db;

        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(_world.Clock);
        services.AddLogging();
        services.AddCmsApplication();
        services.AddCmsMediator();
        services.AddScoped<ICurrentPrincipal>(_ => _principal);
        services.AddScoped<IUnitOfWork>(_ => _unitOfWork);
        services.AddScoped<ITenantRepository>(_ => new FakeTenantRepository(db));
        services.AddScoped<Cms.Application.PlatformAudit.IPlatformAuditLog>(sp => new FakePlatformAuditLog(db, sp.GetRequiredService<TimeProvider>()));
        services.AddScoped<IStaffRepository>(sp => new FakeStaffRepository(db, sp.GetRequiredService<TenantScope>()));
        services.AddScoped<IConsumerRepository>(sp => new FakeConsumerRepository(db, sp.GetRequiredService<TenantScope>()));
        services.AddScoped<IComplaintRepository>(sp => new FakeComplaintRepository(db, sp.GetRequiredService<TenantScope>()));
        services.AddScoped<ITaxonomyRepository>(sp => new FakeTaxonomyRepository(db, sp.GetRequiredService<TenantScope>()));
        services.AddScoped<IQueueRepository>(sp => new FakeQueueRepository(db, sp.GetRequiredService<TenantScope>()));
        services.AddScoped<IQueueQueries>(sp => new FakeQueueQueries(db, sp.GetRequiredService<TenantScope>()));
        services.AddScoped<Cms.Application.LegalEntities.ILegalEntityRepository>(sp => new FakeLegalEntityRepository(sp.GetRequiredService<TenantScope>()));
        services.AddScoped<IAuditRepository>(sp => new FakeAuditRepository(db, sp.GetRequiredService<TenantScope>()));
        services.AddScoped<ITenantClockRepository>(sp => new FakeTenantClockRepository(db, sp.GetRequiredService<TenantScope>()));
        services.AddScoped<IEventOutbox>(sp => new FakeEventOutbox(db, sp.GetRequiredService<TenantScope>()));
        services.AddScoped<ITenantQueries>(_ => new FakeTenantQueries(db));
        services.AddScoped<IStaffQueries>(sp => new FakeStaffQueries(db, sp.GetRequiredService<TenantScope>()));
        services.AddScoped<IConsumerQueries>(sp => new FakeConsumerQueries(db, sp.GetRequiredService<TenantScope>()));
        services.AddScoped<IComplaintQueries>(sp => new FakeComplaintQueries(db, sp.GetRequiredService<TenantScope>()));
        services.AddScoped<IAuditQueries>(sp => new FakeAuditQueries(db, sp.GetRequiredService<TenantScope>()));
        services.AddSingleton<IIdempotencyStore>(_idempotency = new FakeIdempotencyStore());
        _provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });
    }

    [TearDown]
    public ValueTask DisposeContainer() => _provider.DisposeAsync();

    private async Task<TResponse> Send<TResponse>(ICommand<TResponse> command, string? idempotencyKey = null)
    {
        await using var scope = _provider.CreateAsyncScope();
        if (idempotencyKey is not null)
        {
            scope.ServiceProvider.GetRequiredService<IdempotentRequest>().Carry(idempotencyKey, "hash-of-the-request");
        }

        return await scope.ServiceProvider.GetRequiredService<IMediator>().Send(command);
    }

    private async Task<TResponse> Send<TResponse>(IQuery<TResponse> query)
    {
        await using var scope = _provider.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<IMediator>().Send(query);
    }

    private static FileComplaintCommand InvalidFile(Guid consumerId) =>
        new(consumerId, null, "", "Charges", "The description.", null, null, null, null, null);

    private static FileComplaintCommand ValidFile(Guid consumerId) =>
        new(consumerId, Channel.Letter, "Current account", "Charges", "The description.", null, null, null, null, null);

    private void SignIn(StaffMember member)
    {
        _principal.IsAuthenticated = true;
        _principal.Subject = member.Subject;
        _principal.TenantId = member.TenantId;
    }

    [Test]
    public async Task An_unauthenticated_caller_with_an_invalid_body_is_unauthorized_before_validation()
    {
        var cast = _world.SeedCast();

        var result = await Send(InvalidFile(cast.Consumer.Id));

        Expect.Failure(result, ErrorKind.Unauthorized);
        Assert.That(_unitOfWork.Calls, Is.Empty);
    }

    [Test]
    public async Task An_unauthorised_caller_with_an_invalid_body_is_forbidden_not_told_what_is_invalid()
    {
        var cast = _world.SeedCast();
        SignIn(_world.SeedStaff(cast.Tenant.Id, Role.Auditor));

        var result = await Send(InvalidFile(cast.Consumer.Id));

        Expect.Failure(result, ErrorKind.Forbidden);
        Assert.That(_unitOfWork.Calls, Is.Empty);
        Expect.NothingWritten(_world);
    }

    [Test]
    public async Task An_authorised_caller_with_an_invalid_body_gets_the_validation_failure_and_no_transaction()
    {
        var cast = _world.SeedCast();
        SignIn(cast.Agent);

        var result = await Send(InvalidFile(cast.Consumer.Id));

        Expect.Invalid(result, "channel", "product");
        Assert.That(_unitOfWork.Calls, Is.Empty, "validation runs before the transaction behaviour");
        Expect.NothingWritten(_world);
    }

    [Test]
    public async Task The_shared_transition_validator_applies_to_every_transition()
    {
        var cast = _world.SeedCast();
        SignIn(cast.Agent);

        var result = await Send(new AcknowledgeComplaintCommand(Guid.Empty, 0));

        Expect.Invalid(result, "id", "If-Match");
        Assert.That(_unitOfWork.Calls, Is.Empty);
    }

    [Test]
    public async Task A_valid_command_runs_in_one_committed_transaction()
    {
        var cast = _world.SeedCast();
        SignIn(cast.Agent);

        var dto = Expect.Success(await Send(ValidFile(cast.Consumer.Id)));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(dto.Reference, Is.EqualTo("CMP-2026-000001"));
            Assert.That(_unitOfWork.Calls, Is.EqualTo(new[] { "begin", "commit" }));
            Assert.That(_world.Db.Complaints[dto.Id].TenantId, Is.EqualTo(cast.Tenant.Id), "the scope came from the token");
            Assert.That(Expect.SingleAudit(_world).ActorId, Is.EqualTo(cast.Agent.Id.ToString()), "the caller came from the database");
        }
    }

    [Test]
    public async Task A_replayed_key_passes_authorization_as_the_caller_is_now_and_is_claimed_inside_the_transaction()
    {
        var cast = _world.SeedCast();
        SignIn(cast.Agent);
        var first = Expect.Success(await Send(ValidFile(cast.Consumer.Id), "key-1"));
        var replay = Expect.Success(await Send(ValidFile(cast.Consumer.Id), "key-1"));
        Assert.That(System.Text.Json.JsonSerializer.Serialize(replay), Is.EqualTo(System.Text.Json.JsonSerializer.Serialize(first)),
            "the same caller gets the first answer again");
        Assert.That(_world.Db.Complaints, Has.Count.EqualTo(1));

        Assert.That(_world.Db.Staff[cast.Agent.Id].ReplaceRoles([Role.Auditor]).IsSuccess, Is.True);
        Expect.Failure(await Send(ValidFile(cast.Consumer.Id), "key-1"), ErrorKind.Forbidden);
        Assert.That(_world.Db.Staff[cast.Agent.Id].Deactivate().IsSuccess, Is.True);
        Expect.Failure(await Send(ValidFile(cast.Consumer.Id), "key-1"), ErrorKind.Forbidden);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(_idempotency.Claims, Is.EqualTo(2), "the refused replays never reached the key");
            Assert.That(_unitOfWork.Calls, Is.EqualTo(new[] { "begin", "commit", "begin", "commit" }), "claims run inside the one transaction");
        }
    }

    [Test]
    public async Task A_command_refused_by_its_handler_is_rolled_back()
    {
        var cast = _world.SeedCast();
        var other = _world.SeedCast();
        SignIn(cast.Agent);

        Expect.Failure(await Send(ValidFile(other.Consumer.Id)), ErrorKind.NotFound, "consumer.not_found");

        Assert.That(_unitOfWork.Calls, Is.EqualTo(new[] { "begin", "rollback" }));
    }

    [Test]
    public async Task A_query_runs_without_a_transaction()
    {
        var cast = _world.SeedCast();
        var complaint = _world.SeedComplaint(cast);
        SignIn(cast.Agent);

        var dto = Expect.Success(await Send(new GetComplaintQuery(complaint.Id)));

        Assert.That(dto.Id, Is.EqualTo(complaint.Id));
        Assert.That(_unitOfWork.Calls, Is.Empty);
    }

    [Test]
    public async Task A_platform_operator_creates_a_tenant_whose_first_writes_are_in_the_new_tenant()
    {
        _principal = FakeCurrentPrincipal.Platform("op-9");

        var dto = Expect.Success(await Send(new CreateTenantCommand("Sky Air", Sector.Airline, Jurisdiction.EU,
            new TenantAdminInput("idp|sky-admin", "admin@sky.test", "Sky Admin"))));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(dto.RegulatoryProfile, Is.EqualTo("eu_airline_eu261"));
            Assert.That(_unitOfWork.Calls, Is.EqualTo(new[] { "begin", "commit" }));
            Assert.That(_world.Db.Staff.Values.Single().TenantId, Is.EqualTo(dto.Id));
            Assert.That(_world.Db.Audit.Select(a => (a.TenantId, a.ActorType, a.ActorId)),
                Is.All.EqualTo((dto.Id, ActorType.Platform, "op-9")));
        }
    }

    [Test]
    public async Task A_tenant_principal_cannot_create_tenants_even_with_an_invalid_body()
    {
        var cast = _world.SeedCast();
        SignIn(cast.Admin);

        Expect.Failure(await Send(new CreateTenantCommand(null, null, null, null)), ErrorKind.Forbidden);

        Assert.That(_unitOfWork.Calls, Is.Empty);
        Assert.That(_world.Db.Tenants, Has.Count.EqualTo(1));
    }

    [Test]
    public async Task Tracing_is_outermost_and_records_the_refusal_without_personal_data()
    {
        var cast = _world.SeedCast();
        SignIn(_world.SeedStaff(cast.Tenant.Id, Role.Auditor));
        var spans = new List<Activity>();
        using var parent = new Activity("test-" + Guid.NewGuid()).Start();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == Telemetry.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (activity.TraceId == parent.TraceId)
                {
                    spans.Add(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);

        var command = ValidFile(cast.Consumer.Id) with { Description = "Jane Consumer, jane.consumer@example.test, was charged twice." };
        Expect.Failure(await Send(command), ErrorKind.Forbidden);

        var span = spans.Single();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(span.OperationName, Is.EqualTo(nameof(UseCase.FileComplaint)));
            Assert.That(span.GetTagItem("cms.outcome"), Is.EqualTo("forbidden"), "the span saw the authorization behaviour's answer");
            Assert.That(span.GetTagItem("cms.error_code"), Is.EqualTo("forbidden"));
            Assert.That(span.GetTagItem("cms.tenant_id"), Is.EqualTo(cast.Tenant.Id.ToString()));
            Assert.That(span.GetTagItem("cms.principal_id"), Is.Null, "no caller was established");
            Assert.That(span.Tags.Select(t => t.Value ?? ""), Has.None.Contains("Jane").And.None.Contains("jane.consumer"));
        }
    }
}
