using Cms.Domain.Complaints;
using Cms.Domain.Regulation;

namespace Cms.Tests.Domain;

/// <summary>Deadlines recomputed when the facts behind them change; the internal SLA pauses, regulatory clocks never do.</summary>
public sealed class ComplaintClockTests
{
    private static readonly DateTimeOffset Received = TestComplaints.ReceivedAt; // Friday 27 March 2026, 10:00 UTC
    private static readonly InternalSla FiveBusinessDays = new(5, ClockUnit.BusinessDays);

    private static Deadline Of(Complaint c, DeadlineKind kind) => c.Deadlines.Single(d => d.Kind == kind);

    private static Complaint FileWithSla(RegulatoryProfile profile, ComplaintFlags? flags = null, ClosureDays? closures = null) =>
        Complaint.File(TestComplaints.Filing(profile, "CMP-2026-000001") with
        {
            Product = "p",
            Category = "c",
            Description = "d",
            Flags = flags ?? ComplaintFlags.None,
            ReceivedAt = Received,
            Clock = new TenantClock(closures ?? ClosureDays.None, FiveBusinessDays),
        }, Received.AddDays(1)).Value;

    [Test]
    public void A_complaint_records_the_profile_version_it_was_filed_under()
    {
        var complaint = TestComplaints.File(RegulatoryProfiles.UkBanking);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(complaint.ProfileVersion, Is.EqualTo(RegulatoryProfiles.UkBanking.Version));
            Assert.That(complaint.Profile, Is.SameAs(RegulatoryProfiles.UkBanking));
        }
    }

    [Test]
    public void Correcting_the_receipt_date_recomputes_every_deadline_from_it()
    {
        var complaint = TestComplaints.File(RegulatoryProfiles.UkBanking);
        var corrected = new DateTimeOffset(2026, 3, 20, 9, 0, 0, TimeSpan.Zero);
        var version = complaint.Version;

        ResultAssert.Succeeded(complaint.CorrectReceivedAt(corrected, TenantClock.None, Received.AddDays(2)));

        var expected = RegulatoryProfiles.UkBanking.ComputeDeadlines(corrected, ComplaintFlags.None);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(complaint.ReceivedAt, Is.EqualTo(corrected));
            Assert.That(complaint.Deadlines, Is.EqualTo(expected));
            Assert.That(complaint.Version, Is.EqualTo(version + 1));
            Assert.That(complaint.PendingChanges, Is.EqualTo(new[] { "receivedAt", "deadlines" }));
        }
    }

    [Test]
    public void A_complaint_filed_under_version_1_is_recomputed_with_version_1()
    {
        var complaint = TestComplaints.File(RegulatoryProfiles.Get("uk_banking_fca_disp1", 1)!);
        var corrected = new DateTimeOffset(2026, 12, 30, 12, 0, 0, TimeSpan.Zero);
        var now = new DateTimeOffset(2027, 1, 10, 12, 0, 0, TimeSpan.Zero);
        var filed = Complaint.File(TestComplaints.Filing(RegulatoryProfiles.Get("uk_banking_fca_disp1", 1)!, "CMP-2027-000001") with
        {
            Product = "p",
            Category = "c",
            Description = "d",
            ReceivedAt = Received,
        }, now).Value;

        ResultAssert.Succeeded(filed.CorrectReceivedAt(corrected, TenantClock.None, now));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(complaint.ProfileVersion, Is.EqualTo(1));
            // Version 1 counts 1 January as a business day: due 4 January, where version 2 says 5 January.
            Assert.That(Of(filed, DeadlineKind.SummaryResolution).DueAt, Is.EqualTo(new DateTimeOffset(2027, 1, 4, 23, 59, 59, TimeSpan.Zero).AddTicks(9_999_999)));
        }
    }

    [Test]
    public void A_receipt_date_in_the_future_or_after_filing_or_unchanged_is_refused()
    {
        var complaint = TestComplaints.File(RegulatoryProfiles.UkBanking);
        var now = Received.AddDays(3);

        using (Assert.EnterMultipleScope())
        {
            ResultAssert.FailedValidation(complaint.CorrectReceivedAt(now.AddHours(1), TenantClock.None, now), "receivedAt");
            ResultAssert.FailedValidation(complaint.CorrectReceivedAt(Received.AddHours(1), TenantClock.None, now), "receivedAt");
            ResultAssert.FailedValidation(complaint.CorrectReceivedAt(now.AddYears(-7), TenantClock.None, now), "receivedAt");
            Assert.That(ResultAssert.Failed(complaint.CorrectReceivedAt(Received, TenantClock.None, now)).Code, Is.EqualTo("complaint.unchanged"));
            Assert.That(complaint.Version, Is.EqualTo(1));
        }
    }

    [Test]
    public void Setting_the_psd2_flag_swaps_the_eight_week_deadline_for_the_payment_services_ones_and_back()
    {
        var complaint = TestComplaints.File(RegulatoryProfiles.UkBanking);
        var now = Received.AddDays(1);

        ResultAssert.Succeeded(complaint.SetPaymentServices(true, TenantClock.None, now));
        var psd2 = complaint.Deadlines.Select(d => d.Kind).ToList();
        ResultAssert.Succeeded(complaint.SetPaymentServices(false, TenantClock.None, now));

        using (Assert.EnterMultipleScope())
        {
            // The 35-business-day deadline binds only after a holding reply (AlternativeResponseTests).
            Assert.That(psd2, Is.EquivalentTo(new[] { DeadlineKind.SummaryResolution, DeadlineKind.PaymentServicesFinalResponse }));
            Assert.That(complaint.Deadlines.Select(d => d.Kind), Is.EquivalentTo(new[] { DeadlineKind.SummaryResolution, DeadlineKind.FinalResponse }));
            Assert.That(complaint.Flags.PaymentServices, Is.False);
            Assert.That(ResultAssert.Failed(complaint.SetPaymentServices(false, TenantClock.None, now)).Code, Is.EqualTo("complaint.unchanged"));
        }
    }

    [Test]
    public void A_disability_flag_set_after_the_final_response_gives_a_deadline_met_by_that_response()
    {
        var complaint = TestComplaints.File(RegulatoryProfiles.UsAirline);
        var resolvedAt = Received.AddDays(10);
        ResultAssert.Succeeded(complaint.Resolve(TestComplaints.UpheldResolution, resolvedAt));

        ResultAssert.Succeeded(complaint.SetDisability(true, TenantClock.None, Received.AddDays(12)));

        var disability = Of(complaint, DeadlineKind.DisabilityDispositiveResponse);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(disability.MetAt, Is.EqualTo(resolvedAt));
            Assert.That(disability.IsBreached(Received.AddDays(100)), Is.False);
            Assert.That(Of(complaint, DeadlineKind.SubstantiveResponse).MetAt, Is.EqualTo(resolvedAt), "already met deadlines keep their time");
        }
    }

    [Test]
    public void A_disability_flag_on_an_open_complaint_adds_an_unmet_30_day_deadline_that_becomes_next_due()
    {
        var complaint = TestComplaints.File(RegulatoryProfiles.UsAirline);
        ResultAssert.Succeeded(complaint.Acknowledge(Received.AddDays(1)));
        Assert.That(complaint.NextDueKind, Is.EqualTo(DeadlineKind.SubstantiveResponse));

        ResultAssert.Succeeded(complaint.SetDisability(true, TenantClock.None, Received.AddDays(2)));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Of(complaint, DeadlineKind.DisabilityDispositiveResponse).MetAt, Is.Null);
            Assert.That(complaint.NextDueKind, Is.EqualTo(DeadlineKind.DisabilityDispositiveResponse));
            Assert.That(complaint.NextDueAt, Is.EqualTo(Of(complaint, DeadlineKind.DisabilityDispositiveResponse).DueAt));
        }
    }

    [Test]
    public void Regulation_e_closure_days_apply_when_deadlines_are_recomputed()
    {
        var complaint = TestComplaints.File(RegulatoryProfiles.UsBanking);
        var closures = new ClosureDays([new DateOnly(2026, 3, 30), new DateOnly(2026, 3, 31)]);

        ResultAssert.Succeeded(complaint.SetPaymentServices(true, new TenantClock(closures, null), Received.AddDays(1)));

        Assert.That(Of(complaint, DeadlineKind.ErrorInvestigation).DueAt,
            Is.EqualTo(new DateTimeOffset(2026, 4, 15, 3, 59, 59, TimeSpan.Zero).AddTicks(9_999_999)));
    }

    [Test]
    public void The_internal_sla_pauses_while_awaiting_the_consumer_and_regulatory_clocks_do_not()
    {
        var complaint = FileWithSla(RegulatoryProfiles.UkBanking);
        var sla = Of(complaint, DeadlineKind.InternalSla);
        var final = Of(complaint, DeadlineKind.FinalResponse);
        ResultAssert.Succeeded(complaint.Acknowledge(Received.AddHours(1)));
        ResultAssert.Succeeded(complaint.Start(Received.AddHours(2)));

        var pausedAt = Received.AddDays(1);
        ResultAssert.Succeeded(complaint.AwaitConsumer(pausedAt));
        var paused = Of(complaint, DeadlineKind.InternalSla);
        Assert.That(paused.PausedAt, Is.EqualTo(pausedAt));
        Assert.That(paused.IsBreached(sla.DueAt.AddDays(30)), Is.False, "a paused clock is judged where it stopped");

        var resumedAt = pausedAt.AddDays(3).AddHours(5);
        ResultAssert.Succeeded(complaint.Start(resumedAt));

        var resumed = Of(complaint, DeadlineKind.InternalSla);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(resumed.PausedAt, Is.Null);
            Assert.That(resumed.PausedFor, Is.EqualTo(TimeSpan.FromHours(77)));
            Assert.That(resumed.DueAt, Is.EqualTo(sla.DueAt + TimeSpan.FromHours(77)));
            Assert.That(Of(complaint, DeadlineKind.FinalResponse), Is.EqualTo(final), "regulatory clocks never pause");
            Assert.That(complaint.NextDueAt, Is.EqualTo(final.DueAt), "the internal SLA is not a regulatory next-due");
        }

        // A receipt-date correction keeps the time already spent paused.
        ResultAssert.Succeeded(complaint.CorrectReceivedAt(Received.AddDays(-1), new TenantClock(ClosureDays.None, FiveBusinessDays), resumedAt));
        var recomputed = Of(complaint, DeadlineKind.InternalSla);
        Assert.That(recomputed.DueAt, Is.EqualTo(RegulatoryProfiles.UkBanking.InternalSlaDueAt(Received.AddDays(-1), FiveBusinessDays, null)
            + TimeSpan.FromHours(77)));

        ResultAssert.Succeeded(complaint.Resolve(TestComplaints.UpheldResolution, resumedAt.AddDays(1)));
        Assert.That(Of(complaint, DeadlineKind.InternalSla).MetAt, Is.EqualTo(resumedAt.AddDays(1)));
    }

    [Test]
    public void Resolving_while_awaiting_the_consumer_resumes_and_meets_the_sla()
    {
        var complaint = FileWithSla(RegulatoryProfiles.UsAirline);
        ResultAssert.Succeeded(complaint.Acknowledge(Received.AddHours(1)));
        ResultAssert.Succeeded(complaint.Start(Received.AddHours(2)));
        ResultAssert.Succeeded(complaint.AwaitConsumer(Received.AddHours(3)));

        ResultAssert.Succeeded(complaint.Resolve(TestComplaints.UpheldResolution, Received.AddHours(13)));

        var sla = Of(complaint, DeadlineKind.InternalSla);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(sla.PausedAt, Is.Null);
            Assert.That(sla.PausedFor, Is.EqualTo(TimeSpan.FromHours(10)));
            Assert.That(sla.MetAt, Is.EqualTo(Received.AddHours(13)));
        }
    }

    [Test]
    public void The_internal_sla_never_makes_a_complaint_referable()
    {
        var complaint = FileWithSla(RegulatoryProfiles.UkBanking);
        var afterSla = Of(complaint, DeadlineKind.InternalSla).DueAt.AddDays(1);

        Assert.That(complaint.Refer("Financial Ombudsman Service", null, afterSla).IsSuccess, Is.False);
    }
}
