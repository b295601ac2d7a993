using Cms.Application.Calendar;
using Cms.Application.Calendar.SetClosureDay;
using Cms.Application.Calendar.UpdateClockSettings;
using Cms.Application.Complaints;
using Cms.Application.Complaints.CorrectReceivedAt;
using Cms.Application.Complaints.FileComplaint;
using Cms.Application.Complaints.ListDueComplaints;
using Cms.Application.Complaints.SetDisability;
using Cms.Application.Complaints.SetPaymentServices;
using Cms.Domain.Common;
using Cms.Domain.Complaints;
using Cms.Domain.Regulation;
using Cms.Domain.Tenants;

namespace Cms.Tests.Application;

/// <summary>The clock use cases through their handlers over the in-memory fakes.</summary>
public sealed class RegulatoryClockHandlerTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    /// <summary>Files into the cast's queue ("general", which its agents work), so the cast's agents may act on it.</summary>
    private static async Task<ComplaintDto> File(World w, Guid consumerId, DateTimeOffset? receivedAt = null, bool? paymentServices = null) =>
        Expect.Success(await new FileComplaintHandler(w.Tenants, w.TenantClocks, w.Consumers, w.Complaints, w.ComplaintQueries, w.Taxonomies, w.Queues, w.LegalEntities, w.Scope, w.Audit, w.Clock)
            .Handle(new FileComplaintCommand(consumerId, Channel.Web, "p", "c", "d", receivedAt, null, null, paymentServices, null) { Queue = "general" }, None));

    [Test]
    public async Task Setting_the_payment_services_flag_recomputes_saves_and_audits_in_one_step()
    {
        var world = new World();
        var cast = world.SeedCast();
        var w = world.ActAs(cast.Agent);
        var filed = await File(w, cast.Consumer.Id);
        world.Db.Audit.Clear();

        var changed = Expect.Success(await new SetPaymentServicesHandler(w.TenantClocks, w.Complaints, w.ComplaintQueries, w.Caller, w.Audit, w.Clock)
            .Handle(new SetPaymentServicesCommand(filed.Id, filed.Version, true), None));

        var audit = Expect.SingleAudit(world);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(changed.PaymentServices, Is.True);
            Assert.That(changed.Version, Is.EqualTo(filed.Version + 1));
            Assert.That(changed.Deadlines.Select(d => d.Kind), Does.Contain(DeadlineKind.PaymentServicesFinalResponse).And.Not.Contain(DeadlineKind.FinalResponse));
            Assert.That(audit.Action, Is.EqualTo("complaint.payment_services_set"));
            Assert.That(audit.ChangedFields, Is.EqualTo(new[] { "paymentServices", "deadlines" }));
        }
    }

    [Test]
    public async Task A_stale_version_changes_nothing()
    {
        var world = new World();
        var cast = world.SeedCast();
        var w = world.ActAs(cast.Agent);
        var filed = await File(w, cast.Consumer.Id);
        world.Db.Audit.Clear();
        world.Db.Writes.Clear();

        Expect.Failure(await new SetDisabilityHandler(w.TenantClocks, w.Complaints, w.ComplaintQueries, w.Caller, w.Audit, w.Clock)
            .Handle(new SetDisabilityCommand(filed.Id, filed.Version + 5, true), None), ErrorKind.PreconditionFailed);

        Expect.NothingWritten(world);
    }

    [Test]
    public async Task A_receipt_date_correction_uses_the_tenants_closure_days_for_regulation_e()
    {
        var world = new World();
        var cast = world.SeedCast(Sector.Banking, Jurisdiction.US);
        var w = world.ActAs(cast.Admin);
        var filed = await File(w, cast.Consumer.Id, world.Now.AddDays(-1), paymentServices: true);
        var corrected = world.Now.AddDays(-20);
        var calendar = RegulatoryProfiles.UsBanking.Calendar;
        var closed = calendar.AddBusinessDays(calendar.LocalDate(corrected), 2);
        Expect.Success(await new SetClosureDayHandler(w.TenantClocks, w.Scope, w.Audit, w.Clock)
            .Handle(new SetClosureDayCommand(closed, "Closed"), None));

        var changed = Expect.Success(await new CorrectReceivedAtHandler(w.TenantClocks, w.Complaints, w.ComplaintQueries, w.Caller, w.Audit, w.Clock)
            .Handle(new CorrectReceivedAtCommand(filed.Id, filed.Version, corrected), None));

        var expected = RegulatoryProfiles.UsBanking.ComputeDeadlines(corrected, new ComplaintFlags(true, false), new ClosureDays([closed]));
        var withoutClosure = RegulatoryProfiles.UsBanking.ComputeDeadlines(corrected, new ComplaintFlags(true, false));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(changed.Deadlines.Select(d => (d.Kind, d.DueAt)), Is.EquivalentTo(expected.Select(d => (d.Kind, d.DueAt))));
            Assert.That(expected.Single(d => d.Kind == DeadlineKind.ErrorInvestigation).DueAt,
                Is.GreaterThan(withoutClosure.Single(d => d.Kind == DeadlineKind.ErrorInvestigation).DueAt));
            Assert.That(world.Db.Audit.Select(a => a.Action), Does.Contain("complaint.received_at_corrected").And.Contain("calendar.closure_day_added"));
        }
    }

    [Test]
    public async Task The_internal_sla_comes_from_the_tenants_settings_and_the_at_risk_window_drives_the_due_list()
    {
        var world = new World();
        var cast = world.SeedCast();
        var w = world.ActAs(cast.Admin);
        Expect.Success(await new UpdateClockSettingsHandler(w.TenantClocks, w.Scope, w.Audit, w.Clock)
            .Handle(new UpdateClockSettingsCommand(new InternalSlaDto(3, ClockUnit.CalendarDays), 5), None));
        var soon = await File(w, cast.Consumer.Id, world.Now.AddDays(-53));
        var later = await File(w, cast.Consumer.Id, world.Now.AddDays(-30));

        var list = new ListDueComplaintsHandler(w.ComplaintQueries, w.QueueQueries, w.TenantClocks, w.Clock);
        var atRisk = Expect.Success(await list.Handle(new ListDueComplaintsQuery(null, null, true, null, null, null, null, null), None));
        var slaOverdue = Expect.Success(await list.Handle(new ListDueComplaintsQuery(true, null, null, null, null, DeadlineKind.InternalSla, null, null), None));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(soon.Deadlines.Single(d => d.Kind == DeadlineKind.InternalSla).Regulatory, Is.False);
            Assert.That(atRisk.Items.Select(i => i.ComplaintId), Is.EqualTo(new[] { soon.Id }));
            Assert.That(slaOverdue.Items.Select(i => i.ComplaintId), Is.EqualTo(new[] { soon.Id, later.Id }));
            Assert.That(world.Db.Audit.Count(a => a.Action == "settings.clocks_updated"), Is.EqualTo(1));
        }
    }

    [Test]
    public void The_due_list_validator_refuses_two_selectors_and_closed_queues()
    {
        var validator = new ListDueComplaintsValidator();

        Expect.Invalid(Validate(validator, new ListDueComplaintsQuery(true, 3, null, null, null, null, null, null)), "overdue");
        Expect.Invalid(Validate(validator, new ListDueComplaintsQuery(null, null, null, null, ComplaintStatus.Closed, null, null, null)), "status");
        Expect.Invalid(Validate(validator, new ListDueComplaintsQuery(null, 0, null, null, null, null, null, null)), "withinDays");
        Assert.That(Validate(validator, new ListDueComplaintsQuery(null, 7, null, null, ComplaintStatus.Investigating, null, 10, null)).IsSuccess, Is.True);
    }

    private static Result<bool> Validate<T>(Cms.Application.Common.IValidator<T> validator, T request)
    {
        var errors = new Cms.Application.Common.ValidationErrors();
        validator.Validate(request, errors);
        if (errors.Any)
        {
            return errors.ToError();
        }

        return true;
    }
}
