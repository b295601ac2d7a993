using Cms.Application.Abstractions;
using Cms.Application.Audit;
using Cms.Application.Common;
using Cms.Application.Complaints;
using Cms.Application.Consumers;
using Cms.Application.Staff;
using Cms.Application.Tenants;
using Cms.Application;
using Cms.Domain.Audit;
using Cms.Domain.Common;
using Cms.Domain.Complaints;
using Cms.Domain.Consumers;
using Cms.Domain.Regulation;
using Cms.Domain.Staff;
using Cms.Domain.Tenants;
using Cms.Infrastructure.Persistence;
using Cms.Infrastructure;
using Cms.Tests.Domain;
using Cms.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Cms.Tests.Infrastructure;

/// <summary>
/// The repositories and query services straight against a real migrated database (SQLite, and PostgreSQL as cms_app
/// under row-level security), through the same DI registration the service uses: round trips of every aggregate field
/// by field, optimistic concurrency, the per-tenant reference sequence, rollback, instants to the microsecond, keyset
/// paging, and the application-side tenant lock.
/// </summary>
[TestFixture(DatabaseKind.Sqlite)]
[TestFixture(DatabaseKind.Postgres)]
public sealed class RepositoryTests(DatabaseKind kind) : HostlessTests<TestDatabase>
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
            Id = Ids.New(), TenantId = tenantId, ConsumerId = consumerId, Product = "current_account", Category = category,
            Description = "Charged twice.", ReceivedAt = receivedAt,
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
    }

    [Test]
    public async Task A_complaint_round_trips_field_by_field_through_its_whole_lifecycle()
    {
        var (tenantId, staff, consumer) = await TenantWithStaffAndConsumerAsync();
        var t0 = Odd(DateTimeOffset.UtcNow.AddDays(-20));
        var received = Odd(t0.AddHours(-3)).AddTicks(-1_000_000); // .0234567
        var complaint = Complaint.File(TestComplaints.Filing(reference: ComplaintReference.Format(t0.Year, 42)) with
        {
            Id = Ids.New(), TenantId = tenantId, ConsumerId = consumer.Id, Channel = Channel.Email, Product = " credit_card ",
            Category = " interest ", Description = "Interest charged on a promotional balance.", Priority = Priority.Urgent,
            VulnerabilityInvolved = true, Flags = new ComplaintFlags(PaymentServices: true, Disability: true), ReceivedAt = received,
        }, t0).Value;
        Assert.That(complaint.Deadlines, Has.Count.GreaterThan(1));
        await InTenantAsync(tenantId, sp => Get<IComplaintRepository>(sp).AddAsync(complaint, Ct));
        await AssertStoredAsync(tenantId, complaint, "filed");

        // Every transition, saved and read back: each UPDATE column and the deadlines' met_at.
        var steps = new (string Name, Func<Complaint, DateTimeOffset, Result> Apply)[]
        {
            ("assign", (c, now) => c.Assign(staff.Id, now)),
            ("acknowledge", (c, now) => c.Acknowledge(now)),
            ("start", (c, now) => c.Start(now)),
            ("await consumer", (c, now) => c.AwaitConsumer(now)),
            ("start again", (c, now) => c.Start(now)),
            ("resolve", (c, now) => c.Resolve(new Resolution(Outcome.PartlyUpheld, new Redress(new Money(12_345, "GBP"), "apology letter"), "system error"), now)),
            ("refer", (c, now) => c.Refer("Financial Ombudsman Service", "FOS-2026-1", now)),
            ("referral outcome", (c, now) => c.RecordReferralOutcome(ReferralOutcome.PartlyUpheldForConsumer, now)),
            ("close", (c, now) => c.Close(now)),
            ("reopen", (c, now) => c.Reopen(now)),
        };
        var at = t0;
        foreach (var (name, apply) in steps)
        {
            at = Odd(at.AddHours(7));
            var loaded = (await InTenantAsync(tenantId, sp => Get<IComplaintRepository>(sp).GetAsync(complaint.Id, Ct), commit: false))!;
            var version = loaded.Version;
            var result = apply(loaded, at);
            Assert.That(result.IsSuccess, Is.True, $"{name}: {result.Error?.Message}");
            Assert.That(await InTenantAsync(tenantId, sp => Get<IComplaintRepository>(sp).UpdateAsync(loaded, version, Ct)), Is.True, name);
            await AssertStoredAsync(tenantId, loaded, name);
        }

        var final = (await InTenantAsync(tenantId, sp => Get<IComplaintRepository>(sp).GetAsync(complaint.Id, Ct), commit: false))!;
        Assert.That(final.Status, Is.EqualTo(ComplaintStatus.Investigating));
        Assert.That(final.Resolution, Is.Not.Null);
        Assert.That(final.Referral!.Outcome, Is.EqualTo(ReferralOutcome.PartlyUpheldForConsumer));
        Assert.That(final.Version, Is.EqualTo(1 + steps.Length));

        // The read model agrees with the aggregate.
        var dto = (await InTenantAsync(tenantId, sp => Get<IComplaintQueries>(sp).GetAsync(complaint.Id, DateTimeOffset.UtcNow, Ct), commit: false))!;
        Assert.Multiple(() =>
        {
            Assert.That(dto.Reference, Is.EqualTo(final.Reference));
            Assert.That(dto.ConsumerId, Is.EqualTo(consumer.Id));
            Assert.That(dto.Channel, Is.EqualTo(Channel.Email));
            Assert.That(dto.Product, Is.EqualTo("credit_card"));
            Assert.That(dto.Category, Is.EqualTo("interest"));
            Assert.That(dto.Priority, Is.EqualTo(Priority.Urgent));
            Assert.That(dto.VulnerabilityInvolved, Is.True);
            Assert.That(dto.PaymentServices, Is.True);
            Assert.That(dto.Disability, Is.True);
            Assert.That(dto.RegulatoryProfile, Is.EqualTo(RegulatoryProfiles.UkBanking.Code));
            Assert.That(dto.Status, Is.EqualTo(ComplaintStatus.Investigating));
            Assert.That(dto.AssigneeId, Is.EqualTo(staff.Id));
            Assert.That(dto.Outcome, Is.EqualTo(Outcome.PartlyUpheld));
            Assert.That(dto.Redress, Is.EqualTo(new RedressDto(new MoneyDto(12_345, "GBP"), "apology letter")));
            Assert.That(dto.RootCause, Is.EqualTo("system error"));
            Assert.That(dto.Referral!.Body, Is.EqualTo("Financial Ombudsman Service"));
            Assert.That(dto.Referral.Reference, Is.EqualTo("FOS-2026-1"));
            Assert.That(dto.Referral.Outcome, Is.EqualTo(ReferralOutcome.PartlyUpheldForConsumer));
            Assert.That(dto.Deadlines.Select(d => d.Kind), Is.EquivalentTo(final.Deadlines.Select(d => d.Kind)));
            Assert.That(dto.Version, Is.EqualTo(final.Version));
            AssertInstant(dto.ReceivedAt, received, "dto receivedAt");
            AssertInstant(dto.ReopenedAt, final.ReopenedAt, "dto reopenedAt");
            AssertInstant(dto.NextDueAt, final.NextDueAt, "dto nextDueAt");
        });
    }

    /// <summary>Reads the complaint back and compares every field of the aggregate with what was saved.</summary>
    private async Task AssertStoredAsync(Guid tenantId, Complaint expected, string step)
    {
        var loaded = await InTenantAsync(tenantId, sp => Get<IComplaintRepository>(sp).GetAsync(expected.Id, Ct), commit: false);
        Assert.That(loaded, Is.Not.Null, step);
        var actual = loaded!;
        Assert.Multiple(() =>
        {
            Assert.That(actual.Id, Is.EqualTo(expected.Id), step);
            Assert.That(actual.TenantId, Is.EqualTo(expected.TenantId), step);
            Assert.That(actual.Reference, Is.EqualTo(expected.Reference), step);
            Assert.That(actual.ConsumerId, Is.EqualTo(expected.ConsumerId), step);
            Assert.That(actual.Channel, Is.EqualTo(expected.Channel), step);
            Assert.That(actual.Product, Is.EqualTo(expected.Product), step);
            Assert.That(actual.Category, Is.EqualTo(expected.Category), step);
            Assert.That(actual.Description, Is.EqualTo(expected.Description), step);
            Assert.That(actual.Priority, Is.EqualTo(expected.Priority), step);
            Assert.That(actual.VulnerabilityInvolved, Is.EqualTo(expected.VulnerabilityInvolved), step);
            Assert.That(actual.Flags, Is.EqualTo(expected.Flags), step);
            Assert.That(actual.ProfileCode, Is.EqualTo(expected.ProfileCode), step);
            Assert.That(actual.Status, Is.EqualTo(expected.Status), step);
            Assert.That(actual.AssigneeId, Is.EqualTo(expected.AssigneeId), step);
            AssertInstant(actual.ReceivedAt, expected.ReceivedAt, $"{step}: receivedAt");
            AssertInstant(actual.AcknowledgedAt, expected.AcknowledgedAt, $"{step}: acknowledgedAt");
            AssertInstant(actual.SummaryResolutionAt, expected.SummaryResolutionAt, $"{step}: summaryResolutionAt");
            AssertInstant(actual.FinalResponseAt, expected.FinalResponseAt, $"{step}: finalResponseAt");
            AssertInstant(actual.ResolvedAt, expected.ResolvedAt, $"{step}: resolvedAt");
            AssertInstant(actual.ClosedAt, expected.ClosedAt, $"{step}: closedAt");
            AssertInstant(actual.ReopenedAt, expected.ReopenedAt, $"{step}: reopenedAt");
            AssertInstant(actual.CreatedAt, expected.CreatedAt, $"{step}: createdAt");
            AssertInstant(actual.UpdatedAt, expected.UpdatedAt, $"{step}: updatedAt");
            AssertInstant(actual.NextDueAt, expected.NextDueAt, $"{step}: nextDueAt");
            Assert.That(actual.Version, Is.EqualTo(expected.Version), step);
            Assert.That(actual.Resolution, Is.EqualTo(expected.Resolution), $"{step}: resolution");
            Assert.That(actual.Referral?.Body, Is.EqualTo(expected.Referral?.Body), $"{step}: referral body");
            Assert.That(actual.Referral?.ExternalReference, Is.EqualTo(expected.Referral?.ExternalReference), $"{step}: referral reference");
            Assert.That(actual.Referral?.Outcome, Is.EqualTo(expected.Referral?.Outcome), $"{step}: referral outcome");
            AssertInstant(actual.Referral?.ReferredAt, expected.Referral?.ReferredAt, $"{step}: referredAt");
            AssertInstant(actual.Referral?.OutcomeAt, expected.Referral?.OutcomeAt, $"{step}: referral outcomeAt");
            Assert.That(actual.Deadlines.Select(d => d.Kind), Is.EquivalentTo(expected.Deadlines.Select(d => d.Kind)), $"{step}: deadline kinds");
            foreach (var deadline in expected.Deadlines)
            {
                var stored = actual.Deadlines.Single(d => d.Kind == deadline.Kind);
                AssertInstant(stored.DueAt, deadline.DueAt, $"{step}: {deadline.Kind} dueAt");
                AssertInstant(stored.MetAt, deadline.MetAt, $"{step}: {deadline.Kind} metAt");
            }

            Assert.That(actual.PendingChanges, Is.Empty, $"{step}: a loaded complaint has no pending changes");
        });
    }

    [Test]
    public async Task Notes_and_audit_entries_round_trip_field_by_field()
    {
        var (tenantId, staff, consumer) = await TenantWithStaffAndConsumerAsync();
        var complaint = NewComplaint(tenantId, consumer.Id, DateTimeOffset.UtcNow);
        await InTenantAsync(tenantId, sp => Get<IComplaintRepository>(sp).AddAsync(complaint, Ct));

        var noteAt = Odd(DateTimeOffset.UtcNow.AddMinutes(-2));
        var note = ComplaintNote.Create(Ids.New(), complaint, NoteKind.ConsumerCommunication, "Called the consumer; \"quotes\" and ünïcödé.",
            staff.Id, noteAt).Value;
        var staffEntry = new AuditEntry(Ids.New(), tenantId, Odd(DateTimeOffset.UtcNow.AddMinutes(-1)), ActorType.Staff, staff.Id.ToString(),
            "complaint.note_added", "complaint", complaint.Id, ["notes", "status"], "0123456789abcdef0123456789abcdef");
        var platformEntry = new AuditEntry(Ids.New(), tenantId, Odd(DateTimeOffset.UtcNow), ActorType.Platform, "platform-operator",
            "tenant.created", "tenant", tenantId, [], null);
        await InTenantAsync(tenantId, async sp =>
        {
            await Get<IComplaintRepository>(sp).AddNoteAsync(note, Ct);
            await Get<IAuditRepository>(sp).AppendAsync(staffEntry, Ct);
            await Get<IAuditRepository>(sp).AppendAsync(platformEntry, Ct);
        });

        var notes = await InTenantAsync(tenantId, sp => Get<IComplaintQueries>(sp).ListNotesAsync(complaint.Id, 10, null, Ct), commit: false);
        Assert.That(notes.Items, Has.Count.EqualTo(1));
        var n = notes.Items[0];
        Assert.Multiple(() =>
        {
            Assert.That(n.Id, Is.EqualTo(note.Id));
            Assert.That(n.ComplaintId, Is.EqualTo(complaint.Id));
            Assert.That(n.Kind, Is.EqualTo(NoteKind.ConsumerCommunication));
            Assert.That(n.Body, Is.EqualTo(note.Body));
            Assert.That(n.AuthorId, Is.EqualTo(staff.Id));
            AssertInstant(n.CreatedAt, noteAt, "note createdAt");
        });

        var audit = await InTenantAsync(tenantId, sp => Get<IAuditQueries>(sp).ListAsync(null, null, 10, null, Ct), commit: false);
        Assert.That(audit.Items.Select(e => e.Id), Is.EqualTo(new[] { staffEntry.Id, platformEntry.Id }), "oldest first");
        foreach (var (dto, entry) in audit.Items.Zip([staffEntry, platformEntry]))
        {
            Assert.Multiple(() =>
            {
                Assert.That(dto.ActorType, Is.EqualTo(entry.ActorType));
                Assert.That(dto.ActorId, Is.EqualTo(entry.ActorId));
                Assert.That(dto.Action, Is.EqualTo(entry.Action));
                Assert.That(dto.EntityType, Is.EqualTo(entry.EntityType));
                Assert.That(dto.EntityId, Is.EqualTo(entry.EntityId));
                Assert.That(dto.ChangedFields, Is.EqualTo(entry.ChangedFields));
                Assert.That(dto.TraceId, Is.EqualTo(entry.TraceId));
                AssertInstant(dto.OccurredAt, entry.OccurredAt, "occurredAt");
            });
        }

        var ofComplaint = await InTenantAsync(tenantId, sp => Get<IAuditQueries>(sp).ListAsync("complaint", complaint.Id, 10, null, Ct), commit: false);
        Assert.That(ofComplaint.Items.Select(e => e.Id), Is.EqualTo(new[] { staffEntry.Id }));
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

    // ---- concurrency, sequences, rollback ----

    [Test]
    public async Task An_update_with_a_stale_expected_version_returns_false_and_changes_nothing()
    {
        var (tenantId, staff, consumer) = await TenantWithStaffAndConsumerAsync();
        var complaint = NewComplaint(tenantId, consumer.Id, DateTimeOffset.UtcNow);
        await InTenantAsync(tenantId, sp => Get<IComplaintRepository>(sp).AddAsync(complaint, Ct));
        var now = DateTimeOffset.UtcNow;

        // Staff: two copies read at version 1; the first write wins, the second is refused.
        var staffWinner = (await InTenantAsync(tenantId, sp => Get<IStaffRepository>(sp).GetAsync(staff.Id, Ct), commit: false))!;
        var staffLoser = (await InTenantAsync(tenantId, sp => Get<IStaffRepository>(sp).GetAsync(staff.Id, Ct), commit: false))!;
        Assert.That(staffWinner.ReplaceRoles([Role.Supervisor]).IsSuccess, Is.True);
        Assert.That(await InTenantAsync(tenantId, sp => Get<IStaffRepository>(sp).UpdateAsync(staffWinner, 1, Ct)), Is.True);
        Assert.That(staffLoser.Deactivate().IsSuccess, Is.True);
        Assert.That(await InTenantAsync(tenantId, sp => Get<IStaffRepository>(sp).UpdateAsync(staffLoser, 1, Ct)), Is.False);
        var storedStaff = (await InTenantAsync(tenantId, sp => Get<IStaffRepository>(sp).GetAsync(staff.Id, Ct), commit: false))!;
        Assert.That(storedStaff.Version, Is.EqualTo(2));
        Assert.That(storedStaff.Roles, Is.EquivalentTo(new[] { Role.Supervisor }));
        Assert.That(storedStaff.IsActive, Is.True);

        // Consumer.
        var consumerWinner = (await InTenantAsync(tenantId, sp => Get<IConsumerRepository>(sp).GetAsync(consumer.Id, Ct), commit: false))!;
        var consumerLoser = (await InTenantAsync(tenantId, sp => Get<IConsumerRepository>(sp).GetAsync(consumer.Id, Ct), commit: false))!;
        Assert.That(consumerWinner.UpdateContactDetails("Jane Winner", null, null, null, null, now), Is.Not.Empty);
        Assert.That(await InTenantAsync(tenantId, sp => Get<IConsumerRepository>(sp).UpdateAsync(consumerWinner, 1, Ct)), Is.True);
        Assert.That(consumerLoser.UpdateContactDetails(null, "loser@example.test", "+1 555 0100", null, null, now), Is.Not.Empty);
        Assert.That(await InTenantAsync(tenantId, sp => Get<IConsumerRepository>(sp).UpdateAsync(consumerLoser, 1, Ct)), Is.False);
        var storedConsumer = (await InTenantAsync(tenantId, sp => Get<IConsumerRepository>(sp).GetAsync(consumer.Id, Ct), commit: false))!;
        Assert.That(storedConsumer.Version, Is.EqualTo(2));
        Assert.That(storedConsumer.Contact.FullName, Is.EqualTo("Jane Winner"));
        Assert.That(storedConsumer.Contact.Email, Is.EqualTo(consumer.Contact.Email));
        Assert.That(storedConsumer.Contact.Phone, Is.Null);

        // Complaint, including its deadlines: the loser's acknowledgement must not mark any deadline met.
        var complaintWinner = (await InTenantAsync(tenantId, sp => Get<IComplaintRepository>(sp).GetAsync(complaint.Id, Ct), commit: false))!;
        var complaintLoser = (await InTenantAsync(tenantId, sp => Get<IComplaintRepository>(sp).GetAsync(complaint.Id, Ct), commit: false))!;
        Assert.That(complaintWinner.Assign(staff.Id, now).IsSuccess, Is.True);
        Assert.That(await InTenantAsync(tenantId, sp => Get<IComplaintRepository>(sp).UpdateAsync(complaintWinner, 1, Ct)), Is.True);
        Assert.That(complaintLoser.Resolve(new Resolution(Outcome.Upheld, Redress.None, null), now).IsSuccess, Is.True);
        Assert.That(complaintLoser.Deadlines.Any(d => d.MetAt is not null), Is.True);
        Assert.That(await InTenantAsync(tenantId, sp => Get<IComplaintRepository>(sp).UpdateAsync(complaintLoser, 1, Ct)), Is.False);
        var storedComplaint = (await InTenantAsync(tenantId, sp => Get<IComplaintRepository>(sp).GetAsync(complaint.Id, Ct), commit: false))!;
        Assert.That(storedComplaint.Version, Is.EqualTo(2));
        Assert.That(storedComplaint.Status, Is.EqualTo(ComplaintStatus.Received));
        Assert.That(storedComplaint.AssigneeId, Is.EqualTo(staff.Id));
        Assert.That(storedComplaint.Resolution, Is.Null);
        Assert.That(storedComplaint.Deadlines.Where(d => d.MetAt is not null), Is.Empty);

        // A version from the future is as wrong as one from the past.
        Assert.That(storedComplaint.Acknowledge(now).IsSuccess, Is.True);
        Assert.That(await InTenantAsync(tenantId, sp => Get<IComplaintRepository>(sp).UpdateAsync(storedComplaint, 7, Ct)), Is.False);
    }

    [Test]
    public async Task The_reference_sequence_counts_per_tenant_and_year_independently()
    {
        var a = await CreateTenantAsync("A");
        var b = await CreateTenantAsync("B");
        Task<long> Next(Guid tenant, int year, bool commit = true) =>
            InTenantAsync(tenant, sp => Get<IComplaintRepository>(sp).NextSequenceAsync(year, Ct), commit);

        Assert.That(await Next(a, 2026), Is.EqualTo(1));
        Assert.That(await Next(a, 2026), Is.EqualTo(2));
        Assert.That(await Next(b, 2026), Is.EqualTo(1), "B's sequence does not see A's");
        Assert.That(await Next(a, 2026), Is.EqualTo(3));
        Assert.That(await Next(a, 2027), Is.EqualTo(1), "a new year starts again");
        Assert.That(await Next(b, 2026), Is.EqualTo(2));
        Assert.That(await Next(a, 2026, commit: false), Is.EqualTo(4));
        // PostgreSQL hands numbers out from blocks outside the filing's transaction: a rolled-back number stays used
        // (unique, not gap-free); SQLite's one writer takes it in its own transaction, which rolls it back.
        var skipped = kind == DatabaseKind.Postgres ? 1 : 0;
        Assert.That(await Next(a, 2026), Is.EqualTo(4 + skipped), "never a number handed out and kept before");

        var twice = await InTenantAsync(a, async sp =>
        {
            var repository = Get<IComplaintRepository>(sp);
            return (await repository.NextSequenceAsync(2026, Ct), await repository.NextSequenceAsync(2026, Ct));
        });
        Assert.That(twice, Is.EqualTo((5L + skipped, 6L + skipped)));
        Assert.That(await Next(b, 2026), Is.EqualTo(3));
    }

    [TestCase(true, TestName = "A rolled-back unit of work leaves nothing (explicit rollback)")]
    [TestCase(false, TestName = "A rolled-back unit of work leaves nothing (scope disposed without commit)")]
    public async Task A_rolled_back_unit_of_work_leaves_nothing(bool explicitRollback)
    {
        var tenantId = await CreateTenantAsync();
        var now = DateTimeOffset.UtcNow;
        var staff = NewStaff(tenantId, now);
        var consumer = NewConsumer(tenantId, now);
        var complaint = NewComplaint(tenantId, consumer.Id, now);
        var note = ComplaintNote.Create(Ids.New(), complaint, NoteKind.Internal, "never", staff.Id, now).Value;
        var entry = new AuditEntry(Ids.New(), tenantId, now, ActorType.Staff, staff.Id.ToString(), "x", "complaint", complaint.Id, [], null);

        async Task Work(IServiceProvider sp)
        {
            await Get<IStaffRepository>(sp).AddAsync(staff, Ct);
            await Get<IConsumerRepository>(sp).AddAsync(consumer, Ct);
            await Get<IComplaintRepository>(sp).NextSequenceAsync(2026, Ct);
            await Get<IComplaintRepository>(sp).AddAsync(complaint, Ct);
            await Get<IComplaintRepository>(sp).AddNoteAsync(note, Ct);
            await Get<IAuditRepository>(sp).AppendAsync(entry, Ct);
            Assert.That(await Get<IComplaintRepository>(sp).GetAsync(complaint.Id, Ct), Is.Not.Null, "visible inside its own unit of work");
        }

        if (explicitRollback)
        {
            await InTenantAsync(tenantId, Work, commit: false);
        }
        else
        {
            await using var scope = Services.CreateAsyncScope();
            scope.ServiceProvider.GetRequiredService<TenantScope>().Enter(tenantId);
            await scope.ServiceProvider.GetRequiredService<IUnitOfWork>().BeginAsync(Ct);
            await Work(scope.ServiceProvider);
        }

        await InTenantAsync(tenantId, async sp =>
        {
            Assert.That(await Get<IStaffRepository>(sp).GetAsync(staff.Id, Ct), Is.Null);
            Assert.That(await Get<IConsumerRepository>(sp).GetAsync(consumer.Id, Ct), Is.Null);
            Assert.That(await Get<IComplaintRepository>(sp).GetAsync(complaint.Id, Ct), Is.Null);
            Assert.That((await Get<IComplaintQueries>(sp).ListAsync(new ComplaintFilter(), now, 10, null, Ct)).Items, Is.Empty);
            Assert.That((await Get<IComplaintQueries>(sp).ListNotesAsync(complaint.Id, 10, null, Ct)).Items, Is.Empty);
            Assert.That((await Get<IAuditQueries>(sp).ListAsync(null, null, 10, null, Ct)).Items, Is.Empty);
            Assert.That((await Get<IStaffQueries>(sp).ListAsync(10, null, Ct)).Items, Is.Empty);
            Assert.That(await Get<IComplaintRepository>(sp).NextSequenceAsync(2026, Ct), Is.EqualTo(kind == DatabaseKind.Postgres ? 2 : 1),
                "PostgreSQL's block numbers are not rolled back (unique, not gap-free)");
        }, commit: false);
    }

    [Test]
    public async Task A_duplicate_key_in_one_tenant_is_a_DuplicateKeyException_and_the_same_key_in_another_tenant_is_fine()
    {
        var a = await CreateTenantAsync("A");
        var b = await CreateTenantAsync("B");
        var now = DateTimeOffset.UtcNow;
        await InTenantAsync(a, async sp =>
        {
            await Get<IConsumerRepository>(sp).AddAsync(NewConsumer(a, now, "SAME-REF"), Ct);
            await Get<IStaffRepository>(sp).AddAsync(NewStaff(a, now, "same-subject"), Ct);
        });

        await InTenantAsync(b, async sp =>
        {
            await Get<IConsumerRepository>(sp).AddAsync(NewConsumer(b, now, "SAME-REF"), Ct);
            await Get<IStaffRepository>(sp).AddAsync(NewStaff(b, now, "same-subject"), Ct);
        });

        await InTenantAsync(a, async sp =>
            await Assert.ThrowsAsync<DuplicateKeyException>(async () => await Get<IConsumerRepository>(sp).AddAsync(NewConsumer(a, now, "SAME-REF"), Ct)),
            commit: false);
        await InTenantAsync(a, async sp =>
            await Assert.ThrowsAsync<DuplicateKeyException>(async () => await Get<IStaffRepository>(sp).AddAsync(NewStaff(a, now, "same-subject"), Ct)),
            commit: false);
    }

    // ---- the application lock ----

    [Test]
    public async Task The_repositories_and_queries_see_and_write_only_the_tenant_in_scope()
    {
        var (a, aStaff, aConsumer) = await TenantWithStaffAndConsumerAsync();
        var (b, _, _) = await TenantWithStaffAndConsumerAsync();
        var aComplaint = NewComplaint(a, aConsumer.Id, DateTimeOffset.UtcNow);
        await InTenantAsync(a, sp => Get<IComplaintRepository>(sp).AddAsync(aComplaint, Ct));
        var now = DateTimeOffset.UtcNow;

        await InTenantAsync(b, async sp =>
        {
            Assert.That(await Get<IStaffRepository>(sp).GetAsync(aStaff.Id, Ct), Is.Null);
            Assert.That(await Get<IStaffRepository>(sp).FindBySubjectAsync(aStaff.Subject, Ct), Is.Null);
            Assert.That(await Get<IConsumerRepository>(sp).GetAsync(aConsumer.Id, Ct), Is.Null);
            Assert.That(await Get<IConsumerRepository>(sp).ExternalRefExistsAsync(aConsumer.ExternalRef, Ct), Is.False);
            Assert.That(await Get<IConsumerQueries>(sp).GetAsync(aConsumer.Id, Ct), Is.Null);
            Assert.That((await Get<IConsumerQueries>(sp).FindAsync(aConsumer.ExternalRef, null, null, 10, null, Ct)).Items, Is.Empty);
            Assert.That(await Get<IComplaintRepository>(sp).GetAsync(aComplaint.Id, Ct), Is.Null);
            Assert.That(await Get<IComplaintQueries>(sp).GetAsync(aComplaint.Id, now, Ct), Is.Null);
            Assert.That(await Get<IComplaintQueries>(sp).ExistsAsync(aComplaint.Id, Ct), Is.False);
            Assert.That((await Get<IComplaintQueries>(sp).ListAsync(new ComplaintFilter(), now, 10, null, Ct)).Items, Is.Empty);
            Assert.That((await Get<IStaffQueries>(sp).ListAsync(10, null, Ct)).Items.Select(s => s.Id), Has.No.Member(aStaff.Id));

            // Writing A's entities while B is in scope is refused before any SQL is sent.
            Assert.That(aStaff.ReplaceRoles([Role.Supervisor]).IsSuccess, Is.True);
            await Assert.ThrowsAsync<InvalidOperationException>(async () => await Get<IStaffRepository>(sp).UpdateAsync(aStaff, 1, Ct));
            await Assert.ThrowsAsync<InvalidOperationException>(async () => await Get<IConsumerRepository>(sp).UpdateAsync(aConsumer, 1, Ct));
            await Assert.ThrowsAsync<InvalidOperationException>(async () => await Get<IComplaintRepository>(sp).UpdateAsync(aComplaint, 1, Ct));
            await Assert.ThrowsAsync<InvalidOperationException>(async () => await Get<IConsumerRepository>(sp).AddAsync(NewConsumer(a, now), Ct));
            await Assert.ThrowsAsync<InvalidOperationException>(async () => await Get<IComplaintRepository>(sp).AddAsync(NewComplaint(a, aConsumer.Id, now), Ct));
            await Assert.ThrowsAsync<InvalidOperationException>(async () => await Get<IStaffRepository>(sp).AddAsync(NewStaff(a, now), Ct));
            await Assert.ThrowsAsync<InvalidOperationException>(async () => await Get<IAuditRepository>(sp).AppendAsync(
                new AuditEntry(Ids.New(), a, now, ActorType.Staff, "x", "x", "complaint", aComplaint.Id, [], null), Ct));
            await Assert.ThrowsAsync<InvalidOperationException>(async () => await Get<IComplaintRepository>(sp).AddNoteAsync(
                ComplaintNote.Create(Ids.New(), aComplaint, NoteKind.Internal, "x", aStaff.Id, now).Value, Ct));
        }, commit: false);

        // With no tenant in scope at all, tenant data cannot be touched.
        await InTenantAsync(null, async sp =>
        {
            await Assert.ThrowsAsync<InvalidOperationException>(async () => await Get<IConsumerRepository>(sp).GetAsync(aConsumer.Id, Ct));
            await Assert.ThrowsAsync<InvalidOperationException>(async () => await Get<IComplaintQueries>(sp).ListAsync(new ComplaintFilter(), now, 10, null, Ct));
            await Assert.ThrowsAsync<InvalidOperationException>(async () => await Get<IComplaintRepository>(sp).NextSequenceAsync(2026, Ct));
        }, commit: false);

        // A's data is intact.
        var stored = await InTenantAsync(a, sp => Get<IStaffRepository>(sp).GetAsync(aStaff.Id, Ct), commit: false);
        Assert.That(stored!.Version, Is.EqualTo(1));
        Assert.That(stored.Roles, Is.EquivalentTo(new[] { Role.Agent }));
    }

    // ---- keyset paging ----

    [Test]
    public void Cursors_round_trip_and_refuse_what_they_did_not_make()
    {
        var at = Odd(DateTimeOffset.UtcNow);
        var id = Ids.New();
        Assert.That(Cursor.TryDecode(Cursor.Encode(new CursorKey(at, id)), out var withAt), Is.True);
        Assert.That(withAt, Is.EqualTo(new CursorKey(at, id)));
        Assert.That(Cursor.TryDecode(Cursor.Encode(new CursorKey(null, id)), out var withoutAt), Is.True);
        Assert.That(withoutAt, Is.EqualTo(new CursorKey(null, id)));
        Assert.That(Cursor.TryDecode(null, out var none), Is.True);
        Assert.That(none, Is.Null);
        Assert.That(Cursor.TryDecode("", out _), Is.True);

        foreach (var bad in new[] { "%%%", "bm90LWEtY3Vyc29y", new string('A', 201),
                     System.Buffers.Text.Base64Url.EncodeToString("v2|1|00000000000000000000000000000000"u8),
                     System.Buffers.Text.Base64Url.EncodeToString("v1|abc|00000000000000000000000000000000"u8),
                     System.Buffers.Text.Base64Url.EncodeToString("v1|-5|00000000000000000000000000000000"u8),
                     System.Buffers.Text.Base64Url.EncodeToString("v1|1|not-a-guid"u8) })
        {
            Assert.That(Cursor.TryDecode(bad, out _), Is.False, bad);
        }

        var rows = Enumerable.Range(0, 5).ToList();
        var page = Cursor.ToPage(rows, 4, r => new CursorKey(null, new Guid(r, 0, 0, new byte[8])));
        Assert.That(page.Items, Is.EqualTo(new[] { 0, 1, 2, 3 }));
        Assert.That(Cursor.TryDecode(page.NextCursor, out var next), Is.True);
        Assert.That(next!.Id, Is.EqualTo(new Guid(3, 0, 0, new byte[8])));
        Assert.That(Cursor.ToPage(rows, 5, r => new CursorKey(null, Guid.Empty)).NextCursor, Is.Null);
    }

    /// <summary>Pages through a list with the given page size until no cursor is left; returns every item in order.</summary>
    private static async Task<(List<T> Items, int Pages)> PageThroughAsync<T>(int limit, Func<CursorKey?, Task<Page<T>>> fetch)
    {
        var items = new List<T>();
        var pages = 0;
        CursorKey? after = null;
        while (true)
        {
            var page = await fetch(after);
            pages++;
            Assert.That(page.Items, Has.Count.LessThanOrEqualTo(limit));
            items.AddRange(page.Items);
            if (page.NextCursor is null)
            {
                return (items, pages);
            }

            Assert.That(page.Items, Has.Count.EqualTo(limit), "only the last page is short");
            Assert.That(Cursor.TryDecode(page.NextCursor, out after), Is.True);
            Assert.That(pages, Is.LessThan(100), "paging must end");
        }
    }

    [Test]
    public async Task Keyset_paging_walks_every_list_once_in_order()
    {
        var (tenantId, staff, consumer) = await TenantWithStaffAndConsumerAsync();
        var now = DateTimeOffset.UtcNow;
        var baseTime = Odd(now.AddDays(-10));

        // Complaints: two share a received_at (the id breaks the tie); one of another category.
        var receivedTimes = new[] { baseTime.AddMinutes(3), baseTime, baseTime.AddMinutes(1), baseTime.AddMinutes(1), baseTime.AddMinutes(-5), baseTime.AddMinutes(2) };
        var complaints = receivedTimes.Select((r, i) => NewComplaint(tenantId, consumer.Id, now, r, category: i == 5 ? "other" : "fees")).ToList();
        var extraStaff = Enumerable.Range(0, 4).Select(_ => NewStaff(tenantId, now)).ToList();
        var sameEmail = Enumerable.Range(0, 5).Select(_ => NewConsumer(tenantId, now, email: "shared@example.test")).ToList();
        var notes = Enumerable.Range(0, 5).Select(i => ComplaintNote.Create(Ids.New(), complaints[0], NoteKind.Internal, $"note {i}", staff.Id, now).Value).ToList();
        // Audit entries are partitioned by month and the migration creates the current month onwards: they happen now
        // (never before now, so also in the first second of a month), not with the back-dated complaints.
        var auditTime = Odd(now.AddSeconds(1));
        var audit = Enumerable.Range(0, 5).Select(i => new AuditEntry(Ids.New(), tenantId, auditTime.AddSeconds(i % 3), ActorType.Staff, staff.Id.ToString(),
            "x", "complaint", complaints[0].Id, [], null)).ToList();
        await InTenantAsync(tenantId, async sp =>
        {
            foreach (var c in complaints)
            {
                await Get<IComplaintRepository>(sp).AddAsync(c, Ct);
            }

            foreach (var s in extraStaff)
            {
                await Get<IStaffRepository>(sp).AddAsync(s, Ct);
            }

            foreach (var c in sameEmail)
            {
                await Get<IConsumerRepository>(sp).AddAsync(c, Ct);
            }

            foreach (var n in notes)
            {
                await Get<IComplaintRepository>(sp).AddNoteAsync(n, Ct);
            }

            foreach (var e in audit)
            {
                await Get<IAuditRepository>(sp).AppendAsync(e, Ct);
            }
        });

        static string Key(Guid id) => id.ToString("D");
        Task<Page<T>> Read<T>(Func<IServiceProvider, Task<Page<T>>> query) => InTenantAsync(tenantId, query, commit: false);

        // Complaints by (received_at, id).
        var expected = complaints.OrderBy(c => c.ReceivedAt).ThenBy(c => Key(c.Id), StringComparer.Ordinal).Select(c => c.Id).ToList();
        var (all, pages) = await PageThroughAsync(2, after => Read(sp => Get<IComplaintQueries>(sp).ListAsync(new ComplaintFilter(), now, 2, after, Ct)));
        Assert.That(all.Select(c => c.Id), Is.EqualTo(expected));
        Assert.That(pages, Is.EqualTo(3));
        var fees = await PageThroughAsync(2, after => Read(sp => Get<IComplaintQueries>(sp).ListAsync(new ComplaintFilter(Category: "fees"), now, 2, after, Ct)));
        Assert.That(fees.Items.Select(c => c.Id), Is.EqualTo(expected.Where(id => id != complaints[5].Id)));
        var single = await PageThroughAsync(1, after => Read(sp => Get<IComplaintQueries>(sp).ListAsync(new ComplaintFilter(), now, 1, after, Ct)));
        Assert.That(single.Items.Select(c => c.Id), Is.EqualTo(expected));

        // Staff by id.
        var staffIds = extraStaff.Select(s => s.Id).Append(staff.Id).OrderBy(Key, StringComparer.Ordinal).ToList();
        var staffPages = await PageThroughAsync(2, after => Read(sp => Get<IStaffQueries>(sp).ListAsync(2, after, Ct)));
        Assert.That(staffPages.Items.Select(s => s.Id), Is.EqualTo(staffIds));

        // Consumers found by a shared e-mail, by id.
        var consumerPages = await PageThroughAsync(2, after => Read(sp => Get<IConsumerQueries>(sp).FindAsync(null, "shared@example.test", null, 2, after, Ct)));
        Assert.That(consumerPages.Items.Select(c => c.Id), Is.EqualTo(sameEmail.Select(c => c.Id).OrderBy(Key, StringComparer.Ordinal)));

        // Notes by id.
        var notePages = await PageThroughAsync(2, after => Read(sp => Get<IComplaintQueries>(sp).ListNotesAsync(complaints[0].Id, 2, after, Ct)));
        Assert.That(notePages.Items.Select(n => n.Id), Is.EqualTo(notes.Select(n => n.Id).OrderBy(Key, StringComparer.Ordinal)));

        // Audit by (occurred_at, id), with ties.
        var auditPages = await PageThroughAsync(2, after => Read(sp => Get<IAuditQueries>(sp).ListAsync(null, null, 2, after, Ct)));
        Assert.That(auditPages.Items.Select(e => e.Id),
            Is.EqualTo(audit.OrderBy(e => e.OccurredAt).ThenBy(e => Key(e.Id), StringComparer.Ordinal).Select(e => e.Id)));
        var entityPages = await PageThroughAsync(2, after => Read(sp => Get<IAuditQueries>(sp).ListAsync("complaint", complaints[0].Id, 2, after, Ct)));
        Assert.That(entityPages.Items, Has.Count.EqualTo(audit.Count));
    }
}
