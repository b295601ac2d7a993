using Cms.Application.Abstractions;
using Cms.Application.Consumers;
using Cms.Application.Staff;
using Cms.Application.Tenants;
using Cms.Domain.Common;
using Cms.Domain.Complaints;
using Cms.Domain.Consumers;
using Cms.Domain.Regulation;
using Cms.Domain.Staff;
using Cms.Domain.Tenants;
using Cms.Tests.Domain;
using Cms.Tests.Support;

namespace Cms.Tests.Infrastructure;

/// <summary>
/// The repositories and query services straight against a real migrated database (SQLite, and PostgreSQL as cms_app
/// under row-level security), through the same DI registration the service uses: round trips of every aggregate field
/// by field, optimistic concurrency, the per-tenant reference sequence, rollback, instants to the microsecond, keyset
/// paging, and the application-side tenant lock.
/// </summary>
[TestFixture(DatabaseKind.Sqlite)]
[TestFixture(DatabaseKind.Postgres)]
public sealed partial class RepositoryTests(DatabaseKind kind) : HostlessTests<TestDatabase>
{
    protected override Task<TestDatabase> CreateDatabaseAsync() => TestDatabase.CreateAsync(kind);

    // ---- helpers ----

    /// <summary>An instant with a sub-microsecond part (0.1234567 s past a whole second), to see what survives storage.</summary>
    private static DateTimeOffset Odd(DateTimeOffset t) =>
        new(t.UtcTicks - (t.UtcTicks % TimeSpan.TicksPerSecond) + 1_234_567, TimeSpan.Zero);

    private static DateTimeOffset Micro(DateTimeOffset t) => new(t.UtcTicks - (t.UtcTicks % 10), TimeSpan.Zero);

    /// <summary>What the database gives back for an instant: PostgreSQL keeps microseconds (the tick is cut off), SQLite all 7 digits.</summary>
    private DateTimeOffset Stored(DateTimeOffset t) => kind == DatabaseKind.Postgres ? Micro(t) : t.ToUniversalTime();

    private void AssertInstant(DateTimeOffset? actual, DateTimeOffset? written, string what)
    {
        if (written is null)
        {
            Assert.That(actual, Is.Null, what);
            return;
        }

        Assert.That(actual, Is.Not.Null, what);
        Assert.That(actual!.Value.Offset, Is.EqualTo(TimeSpan.Zero), $"{what}: read back as UTC");
        Assert.That(actual.Value.UtcTicks, Is.EqualTo(Stored(written.Value).UtcTicks), $"{what}: {actual:O} vs written {written:O}");
        Assert.That(Micro(actual.Value), Is.EqualTo(Micro(written.Value)), $"{what}: equal to the microsecond");
    }

    private static StaffMember NewStaff(Guid tenantId, DateTimeOffset now, string? subject = null, params Role[] roles) =>
        StaffMember.Create(Ids.New(), tenantId, subject ?? $"subject-{Guid.NewGuid():N}", "agent@example.test", "Agent", StaffKind.User,
            roles.Length == 0 ? [Role.Agent] : roles, now).Value;

    private static Consumer NewConsumer(Guid tenantId, DateTimeOffset now, string? externalRef = null, string? email = "jane@example.test") =>
        Consumer.Register(Ids.New(), tenantId, externalRef ?? $"EXT-{Guid.NewGuid():N}", new ContactDetails("Jane Consumer", email, null, null),
            null, Vulnerability.None, now);

    private static Complaint NewComplaint(Guid tenantId, Guid consumerId, DateTimeOffset now, DateTimeOffset? receivedAt = null,
        string category = "fees", string? reference = null) =>
        Complaint.File(TestComplaints.Filing(reference: reference ?? $"CMP-T-{Guid.NewGuid():N}"[..20]) with
        {
            Id = Ids.New(),
            TenantId = tenantId,
            ConsumerId = consumerId,
            Product = "current_account",
            Category = category,
            Description = "Charged twice.",
            ReceivedAt = receivedAt,
        }, now).Value;

    private async Task<(Guid Tenant, StaffMember Staff, Consumer Consumer)> TenantWithStaffAndConsumerAsync()
    {
        var tenantId = await CreateTenantAsync();
        var now = DateTimeOffset.UtcNow;
        var staff = NewStaff(tenantId, now);
        var consumer = NewConsumer(tenantId, now);
        await InTenantAsync(tenantId, async sp =>
        {
            await Get<IStaffRepository>(sp).AddAsync(staff, Ct);
            await Get<IConsumerRepository>(sp).AddAsync(consumer, Ct);
        });
        return (tenantId, staff, consumer);
    }

    // ---- round trips ----

    [Test]
    public async Task A_tenant_round_trips_field_by_field()
    {
        var created = Odd(DateTimeOffset.UtcNow.AddDays(-1));
        var tenant = Tenant.Create(Ids.New(), "  Northern Air  ", Sector.Airline, Jurisdiction.EU, created).Value;
        await InTenantAsync(null, sp => Get<ITenantRepository>(sp).AddAsync(tenant, Ct));

        var loaded = await InTenantAsync(null, sp => Get<ITenantRepository>(sp).GetAsync(tenant.Id, Ct), commit: false);
        Assert.That(loaded, Is.Not.Null);
        Assert.Multiple(() =>
        {
            Assert.That(loaded!.Id, Is.EqualTo(tenant.Id));
            Assert.That(loaded.Name, Is.EqualTo("Northern Air"));
            Assert.That(loaded.Sector, Is.EqualTo(Sector.Airline));
            Assert.That(loaded.Jurisdiction, Is.EqualTo(Jurisdiction.EU));
            Assert.That(loaded.Status, Is.EqualTo(TenantStatus.Active));
            Assert.That(loaded.Profile.Code, Is.EqualTo(RegulatoryProfiles.EuAirline.Code));
            AssertInstant(loaded.CreatedAt, created, "createdAt");
        });

        var dto = await InTenantAsync(null, sp => Get<ITenantQueries>(sp).GetAsync(tenant.Id, Ct), commit: false);
        Assert.That(dto, Is.Not.Null);
        Assert.That(dto! with { CreatedAt = default }, Is.EqualTo(TenantDto.From(tenant) with { CreatedAt = default }));
        AssertInstant(dto.CreatedAt, created, "dto createdAt");
        Assert.That(await InTenantAsync(null, sp => Get<ITenantRepository>(sp).GetAsync(Guid.NewGuid(), Ct), commit: false), Is.Null);
    }

    [Test]
    public async Task A_staff_member_round_trips_field_by_field()
    {
        var tenantId = await CreateTenantAsync();
        var created = Odd(DateTimeOffset.UtcNow.AddHours(-5));
        var user = StaffMember.Create(Ids.New(), tenantId, "  idp|user-42 ", " Agent.Smith@Example.TEST ", " Agent Smith ", StaffKind.User,
            [Role.Supervisor, Role.Agent, Role.Auditor], created).Value;
        var service = StaffMember.Create(Ids.New(), tenantId, "svc-crm", "crm@example.test", "CRM", StaffKind.ServiceAccount,
            [Role.Integration], created).Value;
        await InTenantAsync(tenantId, async sp =>
        {
            await Get<IStaffRepository>(sp).AddAsync(user, Ct);
            await Get<IStaffRepository>(sp).AddAsync(service, Ct);
        });

        foreach (var expected in new[] { user, service })
        {
            var byId = await InTenantAsync(tenantId, sp => Get<IStaffRepository>(sp).GetAsync(expected.Id, Ct), commit: false);
            var bySubject = await InTenantAsync(tenantId, sp => Get<IStaffRepository>(sp).FindBySubjectAsync(expected.Subject, Ct), commit: false);
            foreach (var loaded in new[] { byId, bySubject })
            {
                Assert.That(loaded, Is.Not.Null);
                Assert.Multiple(() =>
                {
                    Assert.That(loaded!.Id, Is.EqualTo(expected.Id));
                    Assert.That(loaded.TenantId, Is.EqualTo(tenantId));
                    Assert.That(loaded.Subject, Is.EqualTo(expected.Subject));
                    Assert.That(loaded.Email, Is.EqualTo(expected.Email));
                    Assert.That(loaded.DisplayName, Is.EqualTo(expected.DisplayName));
                    Assert.That(loaded.Kind, Is.EqualTo(expected.Kind));
                    Assert.That(loaded.Roles, Is.EquivalentTo(expected.Roles));
                    Assert.That(loaded.IsActive, Is.True);
                    Assert.That(loaded.Version, Is.EqualTo(1));
                    AssertInstant(loaded.CreatedAt, created, "createdAt");
                });
            }
        }

        Assert.That(user.Subject, Is.EqualTo("idp|user-42"));
        Assert.That(user.Email, Is.EqualTo("agent.smith@example.test"));
        var page = await InTenantAsync(tenantId, sp => Get<IStaffQueries>(sp).ListAsync(10, null, Ct), commit: false);
        Assert.That(page.NextCursor, Is.Null);
        static string Flat(StaffDto s) =>
            $"{s.Id}|{s.Subject}|{s.Email}|{s.DisplayName}|{s.Kind}|{string.Join(",", s.Roles)}|{s.IsActive}|{s.Version}";
        Assert.That(page.Items.Select(Flat), Is.EquivalentTo(new[] { user, service }.Select(s => Flat(StaffDto.From(s)))));
        Assert.That(page.Items.Single(s => s.Id == user.Id).Roles, Is.EqualTo(new[] { Role.Supervisor, Role.Agent, Role.Auditor }.Order()),
            "roles come back as a sorted list");
        foreach (var dto in page.Items)
        {
            AssertInstant(dto.CreatedAt, created, "dto createdAt");
        }
    }

    [Test]
    public async Task A_consumer_round_trips_field_by_field_with_address_vulnerability_and_date_of_birth()
    {
        var tenantId = await CreateTenantAsync();
        var created = Odd(DateTimeOffset.UtcNow.AddMinutes(-30));
        var full = Consumer.Register(Ids.New(), tenantId, " CRM-000123 ",
            new ContactDetails("  Jane Q. Consumer ", " Jane.Q@Example.TEST ", " +44 20 7946 0000 ",
                new PostalAddress(["1 High Street", "Flat 2 — rear"], "London", "SW1A 1AA", "GB")),
            new DateOnly(1980, 2, 29), new Vulnerability(new HashSet<VulnerabilityDriver> { VulnerabilityDriver.Health, VulnerabilityDriver.LifeEvent }, true),
            created);
        var bare = Consumer.Register(Ids.New(), tenantId, "CRM-000124", new ContactDetails("No Details", null, null, null), null, Vulnerability.None, created);
        await InTenantAsync(tenantId, async sp =>
        {
            await Get<IConsumerRepository>(sp).AddAsync(full, Ct);
            await Get<IConsumerRepository>(sp).AddAsync(bare, Ct);
        });

        foreach (var expected in new[] { full, bare })
        {
            var loaded = await InTenantAsync(tenantId, sp => Get<IConsumerRepository>(sp).GetAsync(expected.Id, Ct), commit: false);
            Assert.That(loaded, Is.Not.Null);
            Assert.Multiple(() =>
            {
                Assert.That(loaded!.Id, Is.EqualTo(expected.Id));
                Assert.That(loaded.TenantId, Is.EqualTo(tenantId));
                Assert.That(loaded.ExternalRef, Is.EqualTo(expected.ExternalRef));
                Assert.That(loaded.Contact.FullName, Is.EqualTo(expected.Contact.FullName));
                Assert.That(loaded.Contact.Email, Is.EqualTo(expected.Contact.Email));
                Assert.That(loaded.Contact.Phone, Is.EqualTo(expected.Contact.Phone));
                if (expected.Contact.Address is { } address)
                {
                    Assert.That(loaded.Contact.Address, Is.Not.Null);
                    Assert.That(loaded.Contact.Address!.Lines, Is.EqualTo(address.Lines));
                    Assert.That(loaded.Contact.Address.City, Is.EqualTo(address.City));
                    Assert.That(loaded.Contact.Address.Postcode, Is.EqualTo(address.Postcode));
                    Assert.That(loaded.Contact.Address.Country, Is.EqualTo(address.Country));
                }
                else
                {
                    Assert.That(loaded.Contact.Address, Is.Null);
                }

                Assert.That(loaded.DateOfBirth, Is.EqualTo(expected.DateOfBirth));
                Assert.That(loaded.Vulnerability.Drivers, Is.EquivalentTo(expected.Vulnerability.Drivers));
                Assert.That(loaded.Vulnerability.ConsentRecorded, Is.EqualTo(expected.Vulnerability.ConsentRecorded));
                Assert.That(loaded.LegalHold, Is.False);
                Assert.That(loaded.Version, Is.EqualTo(1));
                AssertInstant(loaded.CreatedAt, created, "createdAt");
                AssertInstant(loaded.UpdatedAt, created, "updatedAt");
            });
        }

        Assert.That(full.ExternalRef, Is.EqualTo("CRM-000123"));
        Assert.That(full.Contact.Email, Is.EqualTo("jane.q@example.test"));

        var dto = await InTenantAsync(tenantId, sp => Get<IConsumerQueries>(sp).GetAsync(full.Id, Ct), commit: false);
        Assert.That(dto, Is.Not.Null);
        Assert.Multiple(() =>
        {
            Assert.That(dto!.Id, Is.EqualTo(full.Id));
            Assert.That(dto.ExternalRef, Is.EqualTo("CRM-000123"));
            Assert.That(dto.FullName, Is.EqualTo("Jane Q. Consumer"));
            Assert.That(dto.Email, Is.EqualTo("jane.q@example.test"));
            Assert.That(dto.Phone, Is.EqualTo("+44 20 7946 0000"));
            Assert.That(dto.Address!.Lines, Is.EqualTo(new[] { "1 High Street", "Flat 2 — rear" }));
            Assert.That(dto.Address.City, Is.EqualTo("London"));
            Assert.That(dto.Address.Postcode, Is.EqualTo("SW1A 1AA"));
            Assert.That(dto.Address.Country, Is.EqualTo("GB"));
            Assert.That(dto.DateOfBirth, Is.EqualTo(new DateOnly(1980, 2, 29)));
            Assert.That(dto.Vulnerability!.Drivers, Is.EqualTo(new[] { VulnerabilityDriver.Health, VulnerabilityDriver.LifeEvent }));
            Assert.That(dto.Vulnerability.ConsentRecorded, Is.True);
            Assert.That(dto.LegalHold, Is.False);
            Assert.That(dto.Version, Is.EqualTo(1));
            AssertInstant(dto.CreatedAt, created, "dto createdAt");
            AssertInstant(dto.UpdatedAt, created, "dto updatedAt");
        });

        var bareDto = await InTenantAsync(tenantId, sp => Get<IConsumerQueries>(sp).GetAsync(bare.Id, Ct), commit: false);
        Assert.That(bareDto!.Vulnerability!.Drivers, Is.Empty);
        Assert.That(bareDto.Address, Is.Null);
        Assert.That(bareDto.DateOfBirth, Is.Null);

        var byRef = await InTenantAsync(tenantId, sp => Get<IConsumerQueries>(sp).FindAsync("CRM-000123", null, null, 10, null, Ct), commit: false);
        Assert.That(byRef.Items.Select(c => c.Id), Is.EqualTo(new[] { full.Id }));
        var byEmail = await InTenantAsync(tenantId, sp => Get<IConsumerQueries>(sp).FindAsync(null, "jane.q@example.test", null, 10, null, Ct), commit: false);
        Assert.That(byEmail.Items.Select(c => c.Id), Is.EqualTo(new[] { full.Id }));
        var both = await InTenantAsync(tenantId, sp => Get<IConsumerQueries>(sp).FindAsync("CRM-000124", "jane.q@example.test", null, 10, null, Ct), commit: false);
        Assert.That(both.Items, Is.Empty, "externalRef and email combine with AND");
        Assert.That(await InTenantAsync(tenantId, sp => Get<IConsumerRepository>(sp).ExternalRefExistsAsync("CRM-000123", Ct), commit: false), Is.True);
        Assert.That(await InTenantAsync(tenantId, sp => Get<IConsumerRepository>(sp).ExternalRefExistsAsync("CRM-999999", Ct), commit: false), Is.False);
        Assert.That(await InTenantAsync(tenantId, sp => Get<IConsumerRepository>(sp).ExistsAsync(full.Id, Ct), commit: false), Is.True);
        Assert.That(await InTenantAsync(tenantId, sp => Get<IConsumerRepository>(sp).ExistsAsync(Ids.New(), Ct), commit: false), Is.False);
    }

    [Test]
    public async Task Instants_with_other_offsets_are_stored_as_the_same_instant_in_utc()
    {
        var tenantId = await CreateTenantAsync();
        var utc = Odd(DateTimeOffset.UtcNow.AddDays(-2));
        var india = utc.ToOffset(TimeSpan.FromHours(5.5));
        var staff = NewStaff(tenantId, india);
        await InTenantAsync(tenantId, sp => Get<IStaffRepository>(sp).AddAsync(staff, Ct));
        var loaded = await InTenantAsync(tenantId, sp => Get<IStaffRepository>(sp).GetAsync(staff.Id, Ct), commit: false);
        AssertInstant(loaded!.CreatedAt, utc, "createdAt written with +05:30");
    }
}
