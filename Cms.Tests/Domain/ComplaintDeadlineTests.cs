using Cms.Domain.Complaints;
using Cms.Domain.Regulation;

namespace Cms.Tests.Domain;

/// <summary>Which events meet which deadlines, and what is due next.</summary>
public sealed class ComplaintDeadlineTests
{
    private static readonly DateTimeOffset Received = TestComplaints.ReceivedAt;

    private static Deadline DeadlineOf(Complaint complaint, DeadlineKind kind) => complaint.Deadlines.Single(d => d.Kind == kind);

    private static DateTimeOffset? MetAt(Complaint complaint, DeadlineKind kind) => DeadlineOf(complaint, kind).MetAt;

    // ---- MetAt --------------------------------------------------------------------------------------------------

    [Test]
    public void Acknowledge_meets_the_us_airline_written_acknowledgement_only()
    {
        var complaint = TestComplaints.File(RegulatoryProfiles.UsAirline, new ComplaintFlags(false, true));
        var now = Received.AddDays(3);

        ResultAssert.Succeeded(complaint.Acknowledge(now));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(MetAt(complaint, DeadlineKind.WrittenAcknowledgement), Is.EqualTo(now));
            Assert.That(MetAt(complaint, DeadlineKind.SubstantiveResponse), Is.Null);
            Assert.That(MetAt(complaint, DeadlineKind.DisabilityDispositiveResponse), Is.Null);
        }
    }

    [TestCaseSource(typeof(RegulatoryProfiles), nameof(RegulatoryProfiles.All))]
    public void Acknowledge_meets_no_response_deadline(RegulatoryProfile profile)
    {
        var complaint = TestComplaints.File(profile, new ComplaintFlags(true, true));

        ResultAssert.Succeeded(complaint.Acknowledge(Received.AddHours(1)));

        var met = complaint.Deadlines.Where(d => d.MetAt is not null).Select(d => d.Kind);
        Assert.That(met, Is.SubsetOf(new[] { DeadlineKind.WrittenAcknowledgement }));
    }

    [Test]
    public void Summary_resolution_meets_the_summary_deadline_and_every_response_deadline()
    {
        var complaint = TestComplaints.File(RegulatoryProfiles.UkBanking);
        var now = Received.AddDays(1);

        ResultAssert.Succeeded(complaint.Resolve(TestComplaints.UpheldResolution, now));

        Assert.That(complaint.Deadlines.Select(d => d.MetAt), Is.All.EqualTo(now));
    }

    [Test]
    public void Final_response_after_the_summary_window_leaves_the_summary_deadline_unmet()
    {
        var complaint = TestComplaints.File(RegulatoryProfiles.UkBanking);
        var now = Received.AddDays(20);

        ResultAssert.Succeeded(complaint.Resolve(TestComplaints.UpheldResolution, now));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(MetAt(complaint, DeadlineKind.SummaryResolution), Is.Null);
            Assert.That(MetAt(complaint, DeadlineKind.FinalResponse), Is.EqualTo(now));
        }
    }

    [Test]
    public void Resolving_a_psd2_complaint_meets_both_payment_services_deadlines()
    {
        var complaint = TestComplaints.File(RegulatoryProfiles.UkBanking, new ComplaintFlags(true, false));
        ResultAssert.Succeeded(complaint.RecordResponse(Guid.NewGuid(), ResponseType.HoldingResponse, Received.AddDays(5), null,
            TenantClock.None, Received.AddDays(5)));
        var now = Received.AddDays(10);

        ResultAssert.Succeeded(complaint.Resolve(TestComplaints.UpheldResolution, now));

        using (Assert.EnterMultipleScope())
        {
            // The holding reply met the 15 business days; the final response meets the 35 that it made bind.
            Assert.That(MetAt(complaint, DeadlineKind.PaymentServicesFinalResponse), Is.EqualTo(Received.AddDays(5)));
            Assert.That(MetAt(complaint, DeadlineKind.PaymentServicesExceptionalFinalResponse), Is.EqualTo(now));
        }
    }

    [TestCaseSource(typeof(RegulatoryProfiles), nameof(RegulatoryProfiles.All))]
    public void Resolving_meets_every_mandatory_deadline_of_every_profile(RegulatoryProfile profile)
    {
        var complaint = TestComplaints.File(profile, new ComplaintFlags(true, true));
        var now = Received.AddDays(20);

        ResultAssert.Succeeded(complaint.Resolve(TestComplaints.UpheldResolution, now));

        Assert.That(complaint.Deadlines.Where(d => !d.Kind.IsOptional()).Select(d => d.MetAt), Is.All.EqualTo(now));
    }

    [Test]
    public void Resolving_keeps_the_time_a_deadline_was_already_met()
    {
        var complaint = TestComplaints.File(RegulatoryProfiles.UsAirline);
        var acknowledged = Received.AddDays(2);
        var resolved = Received.AddDays(20);
        ResultAssert.Succeeded(complaint.Acknowledge(acknowledged));

        ResultAssert.Succeeded(complaint.Resolve(TestComplaints.UpheldResolution, resolved));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(MetAt(complaint, DeadlineKind.WrittenAcknowledgement), Is.EqualTo(acknowledged));
            Assert.That(MetAt(complaint, DeadlineKind.SubstantiveResponse), Is.EqualTo(resolved));
        }
    }

    [Test]
    public void Resolving_an_unacknowledged_us_airline_complaint_also_meets_the_written_acknowledgement()
    {
        var complaint = TestComplaints.File(RegulatoryProfiles.UsAirline);
        var now = Received.AddDays(5);

        ResultAssert.Succeeded(complaint.Resolve(TestComplaints.UpheldResolution, now));

        Assert.That(MetAt(complaint, DeadlineKind.WrittenAcknowledgement), Is.EqualTo(now));
    }

    [Test]
    public void Other_transitions_meet_no_deadline()
    {
        var complaint = TestComplaints.File(RegulatoryProfiles.UkBanking);
        ResultAssert.Succeeded(complaint.Acknowledge(Received.AddHours(1)));
        ResultAssert.Succeeded(complaint.Assign(TestComplaints.AgentId, Received.AddHours(2)));
        ResultAssert.Succeeded(complaint.Start(Received.AddHours(3)));
        ResultAssert.Succeeded(complaint.AwaitConsumer(Received.AddHours(4)));

        Assert.That(complaint.Deadlines.Select(d => d.MetAt), Is.All.Null);
    }

    // ---- NextDueAt ----------------------------------------------------------------------------------------------

    [Test]
    public void NextDueAt_skips_the_optional_summary_deadline_even_though_it_is_earlier()
    {
        var complaint = TestComplaints.File(RegulatoryProfiles.UkBanking);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(DeadlineOf(complaint, DeadlineKind.SummaryResolution).DueAt,
                Is.LessThan(DeadlineOf(complaint, DeadlineKind.FinalResponse).DueAt));
            Assert.That(complaint.NextDueAt, Is.EqualTo(DeadlineOf(complaint, DeadlineKind.FinalResponse).DueAt));
        }
    }

    [Test]
    public void NextDueAt_for_a_psd2_complaint_is_the_15_business_day_deadline()
    {
        var complaint = TestComplaints.File(RegulatoryProfiles.UkBanking, new ComplaintFlags(true, false));

        Assert.That(complaint.NextDueAt, Is.EqualTo(DeadlineOf(complaint, DeadlineKind.PaymentServicesFinalResponse).DueAt));
    }

    [Test]
    public void NextDueAt_for_a_regulation_e_complaint_is_the_10_business_day_investigation()
    {
        var complaint = TestComplaints.File(RegulatoryProfiles.UsBanking, new ComplaintFlags(true, false));

        Assert.That(complaint.NextDueAt, Is.EqualTo(DeadlineOf(complaint, DeadlineKind.ErrorInvestigation).DueAt));
    }

    [Test]
    public void NextDueAt_moves_on_once_the_us_airline_acknowledgement_is_met()
    {
        var complaint = TestComplaints.File(RegulatoryProfiles.UsAirline);
        Assert.That(complaint.NextDueAt, Is.EqualTo(DeadlineOf(complaint, DeadlineKind.WrittenAcknowledgement).DueAt));

        ResultAssert.Succeeded(complaint.Acknowledge(Received.AddDays(1)));

        Assert.That(complaint.NextDueAt, Is.EqualTo(DeadlineOf(complaint, DeadlineKind.SubstantiveResponse).DueAt));
    }

    [Test]
    public void NextDueAt_for_an_acknowledged_disability_complaint_is_the_30_day_dispositive_response()
    {
        var complaint = TestComplaints.File(RegulatoryProfiles.UsAirline, new ComplaintFlags(false, true));

        ResultAssert.Succeeded(complaint.Acknowledge(Received.AddDays(1)));

        Assert.That(complaint.NextDueAt, Is.EqualTo(DeadlineOf(complaint, DeadlineKind.DisabilityDispositiveResponse).DueAt));
    }

    [TestCase(Stage.Received, true)]
    [TestCase(Stage.Acknowledged, true)]
    [TestCase(Stage.Investigating, true)]
    [TestCase(Stage.AwaitingConsumer, true)]
    [TestCase(Stage.Resolved, false)]
    [TestCase(Stage.Closed, false)]
    [TestCase(Stage.Referred, false)]
    [TestCase(Stage.ReferredWithOutcome, false)]
    [TestCase(Stage.ClosedAfterReferral, false)]
    public void NextDueAt_is_set_only_while_open(Stage stage, bool open)
    {
        var complaint = TestComplaints.InStage(stage);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(complaint.IsOpen, Is.EqualTo(open));
            Assert.That(complaint.NextDueAt, open ? Is.Not.Null : Is.Null);
        }
    }

    [Test]
    public void NextDueAt_is_null_for_an_open_referral_after_timeout()
    {
        var complaint = TestComplaints.File(RegulatoryProfiles.EuTelecom);
        var afterDue = DeadlineOf(complaint, DeadlineKind.AdrLetter).DueAt.AddTicks(1);

        ResultAssert.Succeeded(complaint.Refer("Ombudsman Services", null, afterDue));

        Assert.That(complaint.NextDueAt, Is.Null);
    }

    [Test]
    public void NextDueAt_after_reopening_a_resolved_complaint_is_null_when_every_deadline_was_met()
    {
        var complaint = TestComplaints.InStage(Stage.Reopened, RegulatoryProfiles.UsBanking);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(complaint.IsOpen, Is.True);
            Assert.That(complaint.NextDueAt, Is.Null);
        }
    }

    [Test]
    public void NextDue_takes_the_earliest_unmet_mandatory_deadline()
    {
        var day = new DateTimeOffset(2026, 1, 10, 0, 0, 0, TimeSpan.Zero);
        Deadline[] deadlines =
        [
            new(DeadlineKind.SummaryResolution, day, null),
            new(DeadlineKind.CompanyResponse, day.AddDays(1), day),
            new(DeadlineKind.CompanyFinalResponse, day.AddDays(5), null),
            new(DeadlineKind.ErrorInvestigation, day.AddDays(3), null),
            new(DeadlineKind.ErrorInvestigationExtended, day.AddDays(4), null),
        ];

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Complaint.NextDue(deadlines, isOpen: true), Is.EqualTo(day.AddDays(3)));
            Assert.That(Complaint.NextDue(deadlines, isOpen: false), Is.Null);
            Assert.That(Complaint.NextDue([], isOpen: true), Is.Null);
            Assert.That(Complaint.NextDue([new(DeadlineKind.SummaryResolution, day, null)], isOpen: true), Is.Null);
        }
    }
}
