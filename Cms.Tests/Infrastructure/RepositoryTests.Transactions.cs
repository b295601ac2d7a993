using Cms.Application.Abstractions;
using Cms.Application.Audit;
using Cms.Application.Complaints;
using Cms.Application.Consumers;
using Cms.Application.Staff;
using Cms.Domain.Audit;
using Cms.Domain.Common;
using Cms.Domain.Complaints;
using Cms.Domain.Staff;
using Cms.Domain.Tenants;
using Cms.Infrastructure.Persistence;
using Cms.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Cms.Tests.Infrastructure;

public sealed partial class RepositoryTests
{
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

        // Consumer and staff inserts are held to travel with COMMIT on PostgreSQL (ADR 0011 parts 4 and 5), so the
        // duplicate surfaces there; SQLite refuses it at the insert. Either way the unit of work fails with the named exception.
        await Assert.ThrowsAsync<DuplicateKeyException>(async () => await InTenantAsync(a, async sp =>
            await Get<IConsumerRepository>(sp).AddAsync(NewConsumer(a, now, "SAME-REF"), Ct)));
        await Assert.ThrowsAsync<DuplicateKeyException>(async () => await InTenantAsync(a, async sp =>
            await Get<IStaffRepository>(sp).AddAsync(NewStaff(a, now, "same-subject"), Ct)));
    }

    [Test]
    public async Task A_write_held_before_the_request_enters_a_tenant_still_runs_under_the_scope_it_was_written_for()
    {
        // A platform operator's write to the tenant registry, held for the next round trip (PostgreSQL), then the tenant's
        // scope entered and a statement run in it: the held update must not run under the tenant's setting, where the
        // registry's policy lets it change nothing (ADR 0011 part 5).
        var tenantId = await CreateTenantAsync();
        await InTenantAsync(null, async sp =>
        {
            await Get<DbSession>(sp).DeferAsync("UPDATE tenants SET status = 'suspended', status_reason = 'held' WHERE id = @Id",
                new { Id = tenantId }, Ct);
            Get<TenantScope>(sp).Enter(tenantId);
            Assert.That(await Get<IStaffRepository>(sp).FindBySubjectAsync("nobody", Ct), Is.Null);
        });

        var stored = await InTenantAsync(null, sp => Get<ITenantRepository>(sp).GetAsync(tenantId, Ct), commit: false);
        Assert.That(stored!.Status, Is.EqualTo(TenantStatus.Suspended));
        Assert.That(stored.StatusReason, Is.EqualTo("held"));
    }

    [Test]
    public async Task A_read_sent_along_with_a_complaints_load_gives_what_a_read_on_its_own_gives()
    {
        // ADR 0011 part 7: a read queued before a complaint's load travels with it (PostgreSQL); one asked for before any
        // load runs on its own; one of a complaint that does not exist gives nothing. Both databases, the same answers.
        var (tenant, _, consumer) = await TenantWithStaffAndConsumerAsync();
        var complaint = NewComplaint(tenant, consumer.Id, DateTimeOffset.UtcNow);
        await InTenantAsync(tenant, sp => Get<IComplaintRepository>(sp).AddAsync(complaint, Ct));

        await InTenantAsync(tenant, async sp =>
        {
            var consumers = Get<IConsumerRepository>(sp);
            var along = consumers.GetOfComplaintWithComplaint(complaint.Id);
            var missing = consumers.GetOfComplaintWithComplaint(Guid.NewGuid());
            Assert.That(await Get<IComplaintRepository>(sp).GetAsync(complaint.Id, Ct), Is.Not.Null);
            var alone = consumers.GetOfComplaintWithComplaint(complaint.Id);
            using (Assert.EnterMultipleScope())
            {
                Assert.That((await along(Ct))?.Contact.FullName, Is.EqualTo(consumer.Contact.FullName), "sent along with the load");
                Assert.That(await missing(Ct), Is.Null, "no such complaint");
                Assert.That((await alone(Ct))?.Contact.FullName, Is.EqualTo(consumer.Contact.FullName), "asked for before any load: read on its own");
                Assert.That((await consumers.GetAsync(consumer.Id, Ct))?.Contact.FullName, Is.EqualTo(consumer.Contact.FullName));
            }
        }, commit: false);
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
            Assert.That(await Get<IConsumerRepository>(sp).ExistsAsync(aConsumer.Id, Ct), Is.False);
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
}
