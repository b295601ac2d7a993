using Cms.Application.Abstractions;
using Cms.Application.Audit;
using Cms.Domain.Audit;
using Cms.Domain.Common;
using Cms.Domain.Complaints;
using Cms.Domain.Consumers;
using Cms.Domain.Queues;
using Cms.Domain.Staff;
using Cms.Domain.Tenants;
using Cms.Tests.Application.Fakes;
using Cms.Tests.Domain;

namespace Cms.Tests.Application;

/// <summary>
/// One test's world: the in-memory database, the request-scoped context (tenant scope, caller), a standing clock and
/// every port as a fake over that database. Seeding writes rows directly (like a fixture would), bypassing the scope.
/// </summary>
public sealed class World
{
    /// <summary>Monday 23 March 2026, 09:00 UTC (09:00 GMT in London): the clock's start.</summary>
    public static readonly DateTimeOffset Start = new(2026, 3, 23, 9, 0, 0, TimeSpan.Zero);

    public World()
        : this(new InMemoryDatabase(), new SettableTimeProvider(Start))
    {
    }

    private World(InMemoryDatabase db, SettableTimeProvider clock)
    {
        Db = db;
        Clock = clock;
        Tenants = new FakeTenantRepository(Db);
        Staff = new FakeStaffRepository(Db, Scope);
        Consumers = new FakeConsumerRepository(Db, Scope);
        Complaints = new FakeComplaintRepository(Db, Scope);
        Taxonomies = new FakeTaxonomyRepository(Db, Scope);
        Queues = new FakeQueueRepository(Db, Scope);
        QueueQueries = new FakeQueueQueries(Db, Scope);
        LegalEntities = new FakeLegalEntityRepository(Scope);
        AuditRepository = new FakeAuditRepository(Db, Scope);
        TenantClocks = new FakeTenantClockRepository(Db, Scope);
        TenantQueries = new FakeTenantQueries(Db);
        StaffQueries = new FakeStaffQueries(Db, Scope);
        ConsumerQueries = new FakeConsumerQueries(Db, Scope);
        ComplaintQueries = new FakeComplaintQueries(Db, Scope);
        AuditQueries = new FakeAuditQueries(Db, Scope);
        Outbox = new FakeEventOutbox(Db, Scope);
        Audit = new AuditTrail(AuditRepository, Outbox, Caller, Scope, Clock);
        PlatformAuditLog = new FakePlatformAuditLog(Db, Clock);
        PlatformAudit = new Cms.Application.PlatformAudit.PlatformAuditTrail(PlatformAuditLog, Caller);
        Offboardings = new FakeTenantOffboardings(Db);
    }

    public InMemoryDatabase Db { get; }
    public SettableTimeProvider Clock { get; }
    public TenantScope Scope { get; } = new();
    public CallerContext Caller { get; } = new();
    public FakeUnitOfWork UnitOfWork { get; } = new();

    public FakeTenantRepository Tenants { get; }
    public FakeStaffRepository Staff { get; }
    public FakeConsumerRepository Consumers { get; }
    public FakeComplaintRepository Complaints { get; }
    public FakeTaxonomyRepository Taxonomies { get; }
    public FakeQueueRepository Queues { get; }
    public FakeQueueQueries QueueQueries { get; }
    public FakeLegalEntityRepository LegalEntities { get; }
    public FakeAuditRepository AuditRepository { get; }
    public FakeTenantClockRepository TenantClocks { get; }
    public FakeEventOutbox Outbox { get; }
    public FakeTenantQueries TenantQueries { get; }
    public FakeStaffQueries StaffQueries { get; }
    public FakeConsumerQueries ConsumerQueries { get; }
    public FakeComplaintQueries ComplaintQueries { get; }
    public FakeAuditQueries AuditQueries { get; }
    public AuditTrail Audit { get; }
    public FakePlatformAuditLog PlatformAuditLog { get; }
    public Cms.Application.PlatformAudit.PlatformAuditTrail PlatformAudit { get; }
    public FakeTenantOffboardings Offboardings { get; }

    public DateTimeOffset Now => Clock.GetUtcNow();

    /// <summary>Another request over the same database and clock, with its own tenant scope and caller.</summary>
    public World NextRequest() => new(Db, Clock);

    /// <summary>The request runs in the staff member's tenant, on their behalf.</summary>
    public World ActAs(StaffMember staff)
    {
        Scope.Enter(staff.TenantId);
        Caller.SetStaff(staff);
        return this;
    }

    public Tenant SeedTenant(Sector sector = Sector.Banking, Jurisdiction jurisdiction = Jurisdiction.UK, string name = "Acme Bank")
    {
        var tenant = Tenant.Create(Ids.New(), name, sector, jurisdiction, Now).Value;
        Db.Tenants[tenant.Id] = tenant;
        return tenant;
    }

    public StaffMember SeedStaff(Guid tenantId, params Role[] roles) => SeedStaff(tenantId, roles, StaffKind.User);

    public StaffMember SeedStaff(Guid tenantId, IEnumerable<Role> roles, StaffKind kind, bool active = true, string? subject = null)
    {
        var n = Db.Staff.Count + 1;
        var created = StaffMember.Create(Ids.New(), tenantId, subject ?? $"idp|staff-{n}", $"staff{n}@example.test", $"Staff {n}", kind, roles, Now);
        Assert.That(created.IsSuccess, Is.True, () => $"Seeding staff failed: {created.Error}");
        var member = created.Value;
        if (!active)
        {
            member.Deactivate();
        }

        Db.Staff[member.Id] = Stored.Copy(member);
        return Stored.Copy(member);
    }

    /// <summary>A queue of the tenant (active unless <paramref name="retired"/>).</summary>
    public Queue SeedQueue(Guid tenantId, string code, bool retired = false)
    {
        var queue = Queue.Create(Ids.New(), tenantId, code, $"Queue {code}", Now).Value;
        if (retired)
        {
            queue.Retire(Now);
        }

        Db.Queues[queue.Id] = Stored.Copy(queue);
        return Stored.Copy(queue);
    }

    /// <summary>Stores <paramref name="staff"/> as working exactly <paramref name="queues"/>; returns the member as stored.</summary>
    public StaffMember SeedMembership(StaffMember staff, params Queue[] queues)
    {
        var s = Db.Staff[staff.Id];
        var member = StaffMember.Restore(s.Id, s.TenantId, s.Subject, s.Email, s.DisplayName, s.Kind, s.Roles.ToHashSet(), s.IsActive,
            s.CreatedAt, s.Version, queues.Select(q => q.Id).ToHashSet());
        Db.Staff[staff.Id] = Stored.Copy(member);
        return Stored.Copy(member);
    }

    public Consumer SeedConsumer(Guid tenantId, string fullName = "Jane Consumer", string? email = "jane.consumer@example.test",
        string? externalRef = null)
    {
        var consumer = Consumer.Register(Ids.New(), tenantId, externalRef ?? $"CUST-{Db.Consumers.Count + 1:D5}",
            new ContactDetails(fullName, email, "+44 20 7946 0000", new PostalAddress(["1 High Street"], "London", "N1 1AA", "GB")),
            new DateOnly(1980, 5, 17), Vulnerability.None, Now);
        Db.Consumers[consumer.Id] = Stored.Copy(consumer);
        return Stored.Copy(consumer);
    }

    /// <summary>
    /// Files a complaint through the domain at the current instant and walks it to <paramref name="stage"/> (after
    /// assigning it when <paramref name="assigneeId"/> is given), then stores it.
    /// </summary>
    public ComplaintState SeedComplaint(Guid tenantId, Guid consumerId, Stage stage = Stage.Received, Guid? assigneeId = null,
        DateTimeOffset? receivedAt = null, string category = "Charges", Guid? queueId = null)
    {
        var tenant = Db.Tenants[tenantId];
        var now = Now;
        var reference = ComplaintReference.Format(now.Year, Db.NextSequence(tenantId, now.Year));
        var complaint = Complaint.File(TestComplaints.Filing(tenant.Profile, reference) with
        {
            Id = Ids.New(),
            TenantId = tenantId,
            ConsumerId = consumerId,
            Product = "Current account",
            Category = category,
            ReceivedAt = receivedAt,
            QueueId = queueId,
        }, now).Value;
        if (assigneeId is { } assignee)
        {
            Assert.That(complaint.Assign(assignee, now).IsSuccess, Is.True);
        }

        foreach (var step in TestComplaints.PathTo(stage))
        {
            var result = TestComplaints.Apply(complaint, step, now);
            Assert.That(result.IsSuccess, Is.True, () => $"Seeding {stage}: {step} failed: {result.Error}");
        }

        complaint.ClearPendingChanges();
        var state = Stored.Of(complaint);
        Db.Complaints[complaint.Id] = state;
        return state;
    }

    /// <summary>A tenant (UK banking) with an agent, a second agent, a supervisor, a tenant admin and one consumer.</summary>
    public Cast SeedCast(Sector sector = Sector.Banking, Jurisdiction jurisdiction = Jurisdiction.UK)
    {
        var tenant = SeedTenant(sector, jurisdiction);
        var queue = SeedQueue(tenant.Id, "general");
        return new Cast(tenant,
            SeedMembership(SeedStaff(tenant.Id, Role.Agent), queue),
            SeedMembership(SeedStaff(tenant.Id, Role.Agent), queue),
            SeedStaff(tenant.Id, Role.Supervisor),
            SeedStaff(tenant.Id, Role.TenantAdmin),
            SeedConsumer(tenant.Id),
            queue);
    }

    /// <summary>A complaint of the cast's consumer in the cast's queue, which both agents work (see <see cref="SeedComplaint(Guid, Guid, Stage, Guid?, DateTimeOffset?, string, Guid?)"/>).</summary>
    public ComplaintState SeedComplaint(Cast cast, Stage stage = Stage.Received, Guid? assigneeId = null, DateTimeOffset? receivedAt = null,
        string category = "Charges") =>
        SeedComplaint(cast.Tenant.Id, cast.Consumer.Id, stage, assigneeId, receivedAt, category, cast.Queue.Id);

    public ComplaintState StoredComplaint(Guid id) => Db.Complaints[id];

    public IReadOnlyList<AuditEntry> AuditEntries => Db.Audit;
}

/// <summary>A tenant's cast; <see cref="Queue"/> is a queue both agents work.</summary>
public sealed record Cast(Tenant Tenant, StaffMember Agent, StaffMember OtherAgent, StaffMember Supervisor, StaffMember Admin, Consumer Consumer,
    Queue Queue);
