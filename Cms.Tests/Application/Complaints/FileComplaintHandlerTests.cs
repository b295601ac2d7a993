using Cms.Application.Complaints;
using Cms.Application.Complaints.FileComplaint;
using Cms.Domain.Audit;
using Cms.Domain.Common;
using Cms.Domain.Complaints;
using Cms.Domain.Regulation;
using Cms.Domain.Staff;
using Cms.Domain.Tenants;
using Cms.Tests.Application.Fakes;

namespace Cms.Tests.Application;

public sealed class FileComplaintHandlerTests
{
    private const string Description = "Jane Consumer (jane.consumer@example.test) was charged twice for the same card payment.";

    private static ValueTask<Result<ComplaintDto>> File(World w, Guid consumerId, DateTimeOffset? receivedAt = null,
        bool? paymentServices = null, bool? disability = null) =>
        new FileComplaintHandler(w.Tenants, w.TenantClocks, w.Consumers, w.Complaints, w.ComplaintQueries, w.Taxonomies, w.Queues, w.LegalEntities, w.Scope, w.Audit, w.Clock)
            .Handle(new FileComplaintCommand(consumerId, Channel.Email, " Credit card ", " Fees ", Description, receivedAt, null, null,
                paymentServices, disability), CancellationToken.None);

    [Test]
    public async Task A_missing_consumer_is_not_found_and_nothing_is_written()
    {
        var world = new World();
        var cast = world.SeedCast();
        world.ActAs(cast.Agent);

        Expect.Failure(await File(world, Ids.New()), ErrorKind.NotFound, "consumer.not_found");

        Expect.NothingWritten(world);
        Assert.That(world.Db.Sequences, Is.Empty, "no reference number is used up");
    }

    [Test]
    public async Task A_consumer_of_another_tenant_is_answered_like_a_missing_one()
    {
        var world = new World();
        var cast = world.SeedCast();
        var other = world.SeedCast();
        world.ActAs(cast.Agent);

        Expect.Failure(await File(world, other.Consumer.Id), ErrorKind.NotFound, "consumer.not_found");

        Expect.NothingWritten(world);
        Assert.That(world.Db.Complaints, Is.Empty);
    }

    [Test]
    public async Task References_count_per_tenant_and_year()
    {
        var world = new World();
        var a = world.SeedCast();
        var b = world.SeedCast();

        world.ActAs(a.Agent);
        var first = Expect.Success(await File(world, a.Consumer.Id));
        var second = Expect.Success(await File(world, a.Consumer.Id));
        var requestOfB = world.NextRequest().ActAs(b.Agent);
        var firstOfB = Expect.Success(await File(requestOfB, b.Consumer.Id));
        world.Clock.Set(new DateTimeOffset(2027, 1, 4, 9, 0, 0, TimeSpan.Zero));
        var nextYear = Expect.Success(await File(world.NextRequest().ActAs(a.Agent), a.Consumer.Id));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(first.Reference, Is.EqualTo("CMP-2026-000001"));
            Assert.That(second.Reference, Is.EqualTo("CMP-2026-000002"));
            Assert.That(firstOfB.Reference, Is.EqualTo("CMP-2026-000001"), "each tenant has its own sequence");
            Assert.That(nextYear.Reference, Is.EqualTo("CMP-2027-000001"), "each year starts again");
        }
    }

    [Test]
    public async Task A_filed_complaint_is_received_with_the_deadlines_of_the_tenants_profile()
    {
        var world = new World();
        var cast = world.SeedCast(Sector.Banking, Jurisdiction.UK);
        world.ActAs(cast.Agent);

        var dto = Expect.Success(await File(world, cast.Consumer.Id));

        var stored = world.StoredComplaint(dto.Id);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(dto.Status, Is.EqualTo(ComplaintStatus.Received));
            Assert.That(dto.Version, Is.EqualTo(1));
            Assert.That(dto.ConsumerId, Is.EqualTo(cast.Consumer.Id));
            Assert.That(dto.Product, Is.EqualTo("Credit card"));
            Assert.That(dto.Category, Is.EqualTo("Fees"));
            Assert.That(dto.Priority, Is.EqualTo(Priority.Normal));
            Assert.That(dto.VulnerabilityInvolved, Is.False);
            Assert.That(dto.ReceivedAt, Is.EqualTo(World.Start));
            Assert.That(dto.RegulatoryProfile, Is.EqualTo("uk_banking_fca_disp1"));
            Assert.That(stored.TenantId, Is.EqualTo(cast.Tenant.Id));
            // FCA DISP 1.5: end of the 3rd business day after Monday 23 March (London, GMT); DISP 1.6: 8 weeks (BST by then).
            Assert.That(dto.Deadlines, Is.EqualTo(new[]
            {
                new DeadlineDto(DeadlineKind.SummaryResolution, new DateTimeOffset(2026, 3, 26, 23, 59, 59, TimeSpan.Zero).AddTicks(9_999_999), null, false),
                new DeadlineDto(DeadlineKind.FinalResponse, new DateTimeOffset(2026, 5, 18, 22, 59, 59, TimeSpan.Zero).AddTicks(9_999_999), null, false),
            }));
            Assert.That(dto.NextDueAt, Is.EqualTo(dto.Deadlines[1].DueAt), "the summary-resolution window is optional");
            Assert.That(dto.Overdue, Is.False);
        }

        Expect.SameComplaint(dto, Dtos.Complaint(stored, world.Now));
    }

    [Test]
    public async Task Flags_and_the_receipt_instant_select_and_start_the_profiles_clocks()
    {
        var world = new World();
        var cast = world.SeedCast(Sector.Airline, Jurisdiction.US);
        world.ActAs(cast.Agent);
        var receivedAt = World.Start.AddDays(-3);

        var dto = Expect.Success(await File(world, cast.Consumer.Id, receivedAt, disability: true));

        var expected = RegulatoryProfiles.UsAirline.ComputeDeadlines(receivedAt, new ComplaintFlags(false, true));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(dto.RegulatoryProfile, Is.EqualTo("us_airline_dot"));
            Assert.That(dto.Disability, Is.True);
            Assert.That(dto.ReceivedAt, Is.EqualTo(receivedAt));
            Assert.That(dto.Deadlines.Select(d => d.Kind), Is.EquivalentTo(new[]
            {
                DeadlineKind.WrittenAcknowledgement, DeadlineKind.SubstantiveResponse, DeadlineKind.DisabilityDispositiveResponse,
            }));
            Assert.That(dto.Deadlines.Select(d => (d.Kind, d.DueAt)), Is.EquivalentTo(expected.Select(d => (d.Kind, d.DueAt))));
        }
    }

    [Test]
    public async Task A_receipt_in_the_future_is_a_validation_failure_and_nothing_is_written()
    {
        var world = new World();
        var cast = world.SeedCast();
        world.ActAs(cast.Agent);

        Expect.Invalid(await File(world, cast.Consumer.Id, World.Start.AddMinutes(1)), "receivedAt");

        Expect.NothingWritten(world);
    }

    [Test]
    public async Task The_audit_entry_names_the_fields_and_holds_no_personal_data()
    {
        var world = new World();
        var cast = world.SeedCast();
        world.ActAs(cast.Agent);

        var dto = Expect.Success(await File(world, cast.Consumer.Id));

        var entry = Expect.SingleAudit(world);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(entry.Action, Is.EqualTo("complaint.filed"));
            Assert.That(entry.EntityType, Is.EqualTo("complaint"));
            Assert.That(entry.EntityId, Is.EqualTo(dto.Id));
            Assert.That(entry.TenantId, Is.EqualTo(cast.Tenant.Id));
            Assert.That(entry.ActorType, Is.EqualTo(ActorType.Staff));
            Assert.That(entry.ActorId, Is.EqualTo(cast.Agent.Id.ToString()));
            Assert.That(entry.ChangedFields, Does.Contain("description").And.Contain("consumerId"));
        }

        string?[] texts = [entry.Action, entry.EntityType, entry.ActorId, entry.TraceId, .. entry.ChangedFields];
        string[] personal = [cast.Consumer.Contact.FullName, "Jane", cast.Consumer.Contact.Email!, "jane.consumer", Description, "charged twice", cast.Consumer.ExternalRef];
        foreach (var text in texts.OfType<string>())
        {
            foreach (var secret in personal)
            {
                Assert.That(text, Does.Not.Contain(secret).IgnoreCase, $"audit text '{text}'");
            }
        }
    }

    [Test]
    public async Task A_service_account_files_complaints_too()
    {
        var world = new World();
        var cast = world.SeedCast();
        var service = world.SeedStaff(cast.Tenant.Id, [Role.Integration], StaffKind.ServiceAccount);
        world.ActAs(service);

        var dto = Expect.Success(await File(world, cast.Consumer.Id, paymentServices: true));

        Assert.That(dto.PaymentServices, Is.True);
        // The 35-business-day PSD2 deadline binds only after a holding reply.
        Assert.That(dto.Deadlines.Select(d => d.Kind), Is.EquivalentTo(new[]
        {
            DeadlineKind.SummaryResolution, DeadlineKind.PaymentServicesFinalResponse,
        }));
        Assert.That(Expect.SingleAudit(world).ActorId, Is.EqualTo(service.Id.ToString()));
    }
}
