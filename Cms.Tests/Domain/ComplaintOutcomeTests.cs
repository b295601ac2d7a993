using Cms.Domain.Common;
using Cms.Domain.Complaints;
using Cms.Domain.Consumers;
using Cms.Domain.Regulation;
using Cms.Domain.Taxonomies;

namespace Cms.Tests.Domain;

/// <summary>Responses, closure bands, vulnerability with consent, merging duplicates and taxonomies (issue 7).</summary>
public sealed class ComplaintOutcomeTests
{
    private static readonly BusinessCalendar London = RegulatoryProfiles.UkBanking.Calendar;

    // Received Friday 27 March 2026, 10:00 UTC (GMT). Summer time starts Sunday 29 March. The 3rd business day after
    // receipt is Wednesday 1 April (no public holiday falls between); its end is 23:00 UTC (midnight BST). Eight weeks
    // after receipt is Friday 22 May 2026, ending 22:59:59.9999999 UTC.
    private static readonly DateTimeOffset Received = TestComplaints.ReceivedAt;
    private static readonly DateTimeOffset EndOfThirdBusinessDay = new(2026, 4, 1, 22, 59, 59, TimeSpan.Zero);
    private static readonly DateTimeOffset EndOfEighthWeek = new(2026, 5, 22, 22, 59, 59, TimeSpan.Zero);

    [TestCase(0, ClosureBand.WithinThreeBusinessDays)]
    [TestCase(2, ClosureBand.WithinEightWeeks)]
    public void The_third_business_day_ends_at_local_midnight(int secondsAfterTheLastFullSecond, ClosureBand expected) =>
        Assert.That(ClosureBands.Of(London, Received, EndOfThirdBusinessDay.AddSeconds(secondsAfterTheLastFullSecond)), Is.EqualTo(expected));

    [TestCase(0, ClosureBand.WithinEightWeeks)]
    [TestCase(2, ClosureBand.AfterEightWeeks)]
    public void Eight_weeks_end_at_local_midnight_of_the_56th_day(int secondsAfterTheLastFullSecond, ClosureBand expected) =>
        Assert.That(ClosureBands.Of(London, Received, EndOfEighthWeek.AddSeconds(secondsAfterTheLastFullSecond)), Is.EqualTo(expected));

    [Test]
    public void Business_days_skip_the_weekend()
    {
        // Received on a Saturday: Monday, Tuesday, Wednesday are the three business days.
        var saturday = new DateTimeOffset(2026, 6, 6, 12, 0, 0, TimeSpan.Zero);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(ClosureBands.Of(London, saturday, new DateTimeOffset(2026, 6, 10, 21, 0, 0, TimeSpan.Zero)), Is.EqualTo(ClosureBand.WithinThreeBusinessDays));
            Assert.That(ClosureBands.Of(London, saturday, new DateTimeOffset(2026, 6, 11, 9, 0, 0, TimeSpan.Zero)), Is.EqualTo(ClosureBand.WithinEightWeeks));
        }
    }

    [Test]
    public void Closing_stores_the_band_of_the_firms_response_not_of_the_closure()
    {
        var complaint = TestComplaints.File();
        ResultAssert.Succeeded(complaint.Resolve(TestComplaints.UpheldResolution, EndOfThirdBusinessDay.AddHours(-1)));
        ResultAssert.Succeeded(complaint.Close(EndOfThirdBusinessDay.AddDays(10)));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(complaint.ClosureBand, Is.EqualTo(ClosureBand.WithinThreeBusinessDays));
            Assert.That(complaint.PendingChanges, Does.Contain("closureBand"));
        }

        ResultAssert.Succeeded(complaint.Reopen(EndOfThirdBusinessDay.AddDays(11)));
        Assert.That(complaint.ClosureBand, Is.Null, "a reopened complaint is not closed in any band");
        ResultAssert.Succeeded(complaint.Resolve(TestComplaints.UpheldResolution, EndOfEighthWeek.AddDays(1)));
        ResultAssert.Succeeded(complaint.Close(EndOfEighthWeek.AddDays(2)));
        Assert.That(complaint.ClosureBand, Is.EqualTo(ClosureBand.AfterEightWeeks));
    }

    [Test]
    public void A_complaint_referred_after_a_timeout_has_no_resolution_and_is_banded_at_its_closure()
    {
        var complaint = TestComplaints.File();
        ResultAssert.Succeeded(complaint.Refer("Financial Ombudsman Service", null, EndOfEighthWeek.AddDays(1)));
        ResultAssert.Succeeded(complaint.RecordReferralOutcome(ReferralOutcome.Settled, EndOfEighthWeek.AddDays(30)));
        ResultAssert.Succeeded(complaint.Close(EndOfEighthWeek.AddDays(31)));
        Assert.That(complaint.ClosureBand, Is.EqualTo(ClosureBand.AfterEightWeeks));
    }

    [Test]
    public void Resolving_records_the_response_it_sends()
    {
        var summary = TestComplaints.File();
        ResultAssert.Succeeded(summary.Resolve(TestComplaints.UpheldResolution, Received.AddHours(2)));
        var final = TestComplaints.File();
        ResultAssert.Succeeded(final.Resolve(TestComplaints.UpheldResolution, EndOfThirdBusinessDay.AddDays(1)));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(summary.Responses.Select(r => (r.Type, r.SentAt)), Is.EqualTo(new[] { (ResponseType.SummaryResolution, Received.AddHours(2)) }));
            Assert.That(summary.AddedResponses, Has.Count.EqualTo(1));
            Assert.That(final.Responses.Select(r => r.Type), Is.EqualTo(new[] { ResponseType.FinalResponse }));
        }

        summary.ClearPendingChanges();
        Assert.That(summary.AddedResponses, Is.Empty, "saved responses are not inserted twice");
    }

    [Test]
    public void Holding_response_while_open_then_final_response_then_adr_letter()
    {
        var complaint = TestComplaints.File();
        var now = Received.AddDays(50);
        var staff = Guid.NewGuid();
        ResultAssert.Succeeded(complaint.RecordResponse(Guid.NewGuid(), ResponseType.HoldingResponse, Received.AddDays(49), staff, TenantClock.None, now));
        ResultAssert.Succeeded(complaint.Resolve(TestComplaints.UpheldResolution, now.AddDays(1)));
        var version = complaint.Version;
        var illegal = ResultAssert.Failed(complaint.RecordResponse(Guid.NewGuid(), ResponseType.HoldingResponse, now.AddDays(1), staff, TenantClock.None, now.AddDays(2)));
        ResultAssert.Succeeded(complaint.RecordResponse(Guid.NewGuid(), ResponseType.AdrLetter, now.AddDays(2), staff, TenantClock.None, now.AddDays(2)));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(illegal.Code, Is.EqualTo("complaint.illegal_transition"));
            Assert.That(complaint.Version, Is.EqualTo(version + 1), "the refused response changed nothing");
            Assert.That(complaint.Responses.Select(r => r.Type),
                Is.EqualTo(new[] { ResponseType.HoldingResponse, ResponseType.FinalResponse, ResponseType.AdrLetter }));
            Assert.That(complaint.Responses[0].RecordedBy, Is.EqualTo(staff));
        }
    }

    [Test]
    public void An_adr_letter_is_refused_once_the_complaint_is_closed()
    {
        var complaint = TestComplaints.InStage(Stage.Closed, out var at);
        var error = ResultAssert.Failed(complaint.RecordResponse(Guid.NewGuid(), ResponseType.AdrLetter, at, null, TenantClock.None, at.AddMinutes(1)));
        Assert.That(error.Kind, Is.EqualTo(ErrorKind.Conflict));
    }

    [TestCase(ResponseType.SummaryResolution, 1, "type")]
    [TestCase(ResponseType.FinalResponse, 1, "type")]
    [TestCase(ResponseType.HoldingResponse, 3, "sentAt")]
    [TestCase(ResponseType.HoldingResponse, -3, "sentAt")]
    public void Response_input_that_cannot_be_true_is_a_validation_failure(ResponseType type, int sentDaysFromNow, string field)
    {
        var complaint = TestComplaints.File();
        var now = Received.AddDays(2);
        var error = ResultAssert.Failed(complaint.RecordResponse(Guid.NewGuid(), type, now.AddDays(sentDaysFromNow), null, TenantClock.None, now));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(error.Kind, Is.EqualTo(ErrorKind.Validation));
            Assert.That(error.Fields!.Keys, Is.EqualTo(new[] { field }));
            Assert.That(complaint.Responses, Is.Empty);
        }
    }

    [Test]
    public void Vulnerability_drivers_need_the_consumers_consent()
    {
        var now = Received.AddDays(1);
        using (Assert.EnterMultipleScope())
        {
            ResultAssert.FailedValidation(ComplaintVulnerability.Create(true, [VulnerabilityDriver.Health], null, now), "consentGivenAt");
            ResultAssert.FailedValidation(ComplaintVulnerability.Create(true, [VulnerabilityDriver.Health], now.AddMinutes(1), now), "consentGivenAt");
            ResultAssert.FailedValidation(ComplaintVulnerability.Create(false, [VulnerabilityDriver.Health], now, now), "drivers");
            ResultAssert.FailedValidation(ComplaintVulnerability.Create(true, [], now, now), "drivers");
        }

        var complaint = TestComplaints.File();
        var consented = ResultAssert.Succeeded(ComplaintVulnerability.Create(true, [VulnerabilityDriver.Health, VulnerabilityDriver.LifeEvent], now.AddHours(-1), now));
        ResultAssert.Succeeded(complaint.RecordVulnerability(consented, now));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(complaint.VulnerabilityInvolved, Is.True);
            Assert.That(complaint.Vulnerability.Drivers, Is.EquivalentTo(new[] { VulnerabilityDriver.Health, VulnerabilityDriver.LifeEvent }));
            Assert.That(complaint.Vulnerability.ConsentGivenAt, Is.EqualTo(now.AddHours(-1)));
            Assert.That(complaint.PendingChanges, Is.EqualTo(new[] { "vulnerability" }), "the audit names the field, never the drivers");
        }

        Assert.That(ResultAssert.Failed(complaint.RecordVulnerability(consented, now)).Code, Is.EqualTo("complaint.vulnerability_unchanged"));

        // Consent withdrawn: the drivers go, involvement stays.
        ResultAssert.Succeeded(complaint.RecordVulnerability(ResultAssert.Succeeded(ComplaintVulnerability.Create(true, [], null, now)), now));
        Assert.That(complaint.Vulnerability, Is.EqualTo(complaint.Vulnerability with { Involved = true, ConsentGivenAt = null }));
        Assert.That(complaint.Vulnerability.Drivers, Is.Empty);
    }

    [Test]
    public void Merging_keeps_the_earliest_received_date_and_the_deadlines_follow_it()
    {
        // US airline: acknowledging meets the written-acknowledgement deadline, which must stay met after the merge.
        var original = TestComplaints.File(RegulatoryProfiles.UsAirline, receivedAt: Received);
        var later = Received.AddDays(3);
        var survivor = TestComplaints.File(RegulatoryProfiles.UsAirline, receivedAt: later);
        ResultAssert.Succeeded(survivor.Acknowledge(later.AddHours(1)));
        survivor.ClearPendingChanges();
        var metBefore = survivor.Deadlines.Where(d => d.MetAt is not null).Select(d => d.Kind).ToList();
        var version = survivor.Version;

        ResultAssert.Succeeded(survivor.Merge(original, TenantClock.None, later.AddHours(2)));

        var expected = RegulatoryProfiles.UsAirline.ComputeDeadlines(Received, ComplaintFlags.None);
        Assert.That(metBefore, Is.EqualTo(new[] { DeadlineKind.WrittenAcknowledgement }));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(survivor.ReceivedAt, Is.EqualTo(Received));
            Assert.That(survivor.Deadlines.Select(d => (d.Kind, d.DueAt)), Is.EqualTo(expected.Select(d => (d.Kind, d.DueAt))));
            Assert.That(survivor.Deadlines.Where(d => d.MetAt is not null).Select(d => d.Kind), Is.EqualTo(metBefore));
            Assert.That(survivor.Version, Is.EqualTo(version + 1));
            Assert.That(survivor.PendingChanges, Is.EquivalentTo(new[] { "mergedComplaints", "receivedAt", "deadlines" }));
            Assert.That(original.Status, Is.EqualTo(ComplaintStatus.Merged));
            Assert.That(original.MergedIntoId, Is.EqualTo(survivor.Id));
            Assert.That(original.ClosedAt, Is.EqualTo(later.AddHours(2)));
            Assert.That(original.NextDueAt, Is.Null, "a merged duplicate has nothing due");
            Assert.That(original.PendingChanges, Is.EquivalentTo(new[] { "status", "mergedIntoId", "closedAt" }));
        }
    }

    [Test]
    public void The_three_business_day_band_counts_the_profile_calendars_public_holidays()
    {
        // Received Thursday 2 April 2026; Good Friday (3rd) and Easter Monday (6th) are bank holidays in England and Wales,
        // so the 3rd business day is Thursday 9th on the current UK calendar, Tuesday 7th on version 1's weekends-only one.
        var received = new DateTimeOffset(2026, 4, 2, 10, 0, 0, TimeSpan.Zero);
        var answered = new DateTimeOffset(2026, 4, 8, 12, 0, 0, TimeSpan.Zero);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(ClosureBands.Of(RegulatoryProfiles.UkBanking.Calendar, received, answered), Is.EqualTo(ClosureBand.WithinThreeBusinessDays));
            Assert.That(ClosureBands.Of(RegulatoryProfiles.UkBankingV1.Calendar, received, answered), Is.EqualTo(ClosureBand.WithinEightWeeks));
        }
    }

    [Test]
    public void Merging_recomputes_with_the_pinned_profile_version_the_tenants_closure_days_and_internal_sla()
    {
        // The survivor was filed under version 1 of the UK profile with the tenant's closure days and a 5-business-day SLA;
        // the duplicate was received earlier. The merge computes every deadline again the way a received-date correction does.
        var closures = new ClosureDays([new DateOnly(2026, 3, 30), new DateOnly(2026, 3, 31)]);
        var sla = new InternalSla(5, ClockUnit.BusinessDays);
        var clock = new TenantClock(closures, sla);
        var later = Received.AddDays(5);
        var survivor = Complaint.File(TestComplaints.Filing(RegulatoryProfiles.UkBankingV1, "CMP-2026-000043") with
        {
            Product = "current_account",
            Category = "charges",
            Description = "Charged twice.",
            ReceivedAt = later,
            Clock = clock,
        }, later).Value;
        var duplicate = TestComplaints.File(receivedAt: Received);

        ResultAssert.Succeeded(survivor.Merge(duplicate, clock, later.AddHours(1)));

        var expected = RegulatoryProfiles.UkBankingV1.ComputeDeadlines(Received, ComplaintFlags.None, closures)
            .Append(new Deadline(DeadlineKind.InternalSla, RegulatoryProfiles.UkBankingV1.InternalSlaDueAt(Received, sla, closures), null))
            .OrderBy(d => d.DueAt).ThenBy(d => d.Kind).Select(d => (d.Kind, d.DueAt));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(survivor.ProfileVersion, Is.EqualTo(1), "the merge keeps the profile version the complaint was filed under");
            Assert.That(survivor.Deadlines.OrderBy(d => d.DueAt).ThenBy(d => d.Kind).Select(d => (d.Kind, d.DueAt)), Is.EqualTo(expected));
            Assert.That(survivor.Deadlines.Single(d => d.Kind == DeadlineKind.InternalSla).DueAt,
                Is.Not.EqualTo(RegulatoryProfiles.UkBankingV1.InternalSlaDueAt(Received, sla, null)), "the closure days count for the SLA");
        }
    }

    [Test]
    public void Merging_an_earlier_survivor_keeps_its_date_and_carries_vulnerability_over()
    {
        var survivor = TestComplaints.File(receivedAt: Received);
        var duplicate = TestComplaints.File(receivedAt: Received.AddDays(1));
        ResultAssert.Succeeded(duplicate.RecordVulnerability(new ComplaintVulnerability(true, new HashSet<VulnerabilityDriver>(), null), Received.AddDays(1)));
        var deadlines = survivor.Deadlines.ToList();
        ResultAssert.Succeeded(survivor.Merge(duplicate, TenantClock.None, Received.AddDays(2)));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(survivor.ReceivedAt, Is.EqualTo(Received));
            Assert.That(survivor.Deadlines, Is.EqualTo(deadlines));
            Assert.That(survivor.VulnerabilityInvolved, Is.True);
            Assert.That(survivor.PendingChanges, Is.EquivalentTo(new[] { "mergedComplaints", "vulnerability" }));
        }
    }

    [Test]
    public void Merging_is_refused_for_itself_another_consumer_or_a_complaint_no_longer_open()
    {
        var survivor = TestComplaints.File();
        ResultAssert.FailedValidation(ToResult(survivor.Merge(survivor, TenantClock.None, Received.AddHours(1))), "duplicateId");

        var otherConsumer = Complaint.File(TestComplaints.Filing(reference: "CMP-2026-000043") with
        {
            ConsumerId = Guid.NewGuid(),
            Product = "p",
            Category = "c",
            Description = "d",
            ReceivedAt = Received,
        }, Received).Value;
        Assert.That(ResultAssert.Failed(survivor.Merge(otherConsumer, TenantClock.None, Received.AddHours(1))).Code, Is.EqualTo("complaint.merge_other_consumer"));

        var resolved = TestComplaints.InStage(Stage.Resolved);
        Assert.That(ResultAssert.Failed(survivor.Merge(resolved, TenantClock.None, Received.AddHours(1))).Code, Is.EqualTo("complaint.illegal_transition"));
        Assert.That(ResultAssert.Failed(resolved.Merge(TestComplaints.File(), TenantClock.None, Received.AddHours(1))).Code, Is.EqualTo("complaint.illegal_transition"));

        var merged = TestComplaints.InStage(Stage.Merged);
        Assert.That(ResultAssert.Failed(survivor.Merge(merged, TenantClock.None, Received.AddHours(1))).Code, Is.EqualTo("complaint.illegal_transition"));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(survivor.Version, Is.EqualTo(1), "refused merges change nothing");
            Assert.That(otherConsumer.Status, Is.EqualTo(ComplaintStatus.Received));
            Assert.That(resolved.Status, Is.EqualTo(ComplaintStatus.Resolved));
        }
    }

    [Test]
    public void Reclassifying_records_codes_and_versions_and_refuses_no_change()
    {
        var complaint = TestComplaints.File();
        ResultAssert.Succeeded(complaint.Reclassify("mortgage", 2, "Charges", null, Received.AddHours(1)));
        using (Assert.EnterMultipleScope())
        {
            Assert.That((complaint.Product, complaint.ProductVersion, complaint.Category, complaint.CategoryVersion), Is.EqualTo(("mortgage", (int?)2, "Charges", (int?)null)));
            Assert.That(complaint.PendingChanges, Is.EqualTo(new[] { "product" }));
            Assert.That(ResultAssert.Failed(complaint.Reclassify("mortgage", 2, "Charges", null, Received.AddHours(2))).Code,
                Is.EqualTo("complaint.classification_unchanged"));
        }
    }

    [Test]
    public void A_taxonomy_version_follows_the_current_one_and_refuses_bad_entries()
    {
        var now = Received;
        var first = ResultAssert.Succeeded(Taxonomy.Publish(Guid.NewGuid(), TestComplaints.TenantId, TaxonomyKind.Product, 0,
            [new("current_account", " Current account "), new("mortgage", "Mortgage")], now));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(first.Version, Is.EqualTo(1));
            Assert.That(first.Entries[0], Is.EqualTo(new TaxonomyEntry("current_account", "Current account")));
            Assert.That(first.Contains("mortgage"), Is.True);
            Assert.That(first.Contains("Mortgage"), Is.False, "codes are exact");
            Assert.That(ResultAssert.Succeeded(Taxonomy.Publish(Guid.NewGuid(), TestComplaints.TenantId, TaxonomyKind.Product, 4,
                [new("loans", "Loans")], now)).Version, Is.EqualTo(5));

            ResultAssert.FailedValidation(Taxonomy.Publish(Guid.NewGuid(), TestComplaints.TenantId, TaxonomyKind.Product, 0, [], now), "entries");
            ResultAssert.FailedValidation(Taxonomy.Publish(Guid.NewGuid(), TestComplaints.TenantId, TaxonomyKind.Product, 0,
                [new("a", "A"), new("a", "Again")], now), "entries[1].code");
            ResultAssert.FailedValidation(Taxonomy.Publish(Guid.NewGuid(), TestComplaints.TenantId, TaxonomyKind.RootCause, 0,
                [new("Has Spaces", "A")], now), "entries[0].code");
            ResultAssert.FailedValidation(Taxonomy.Publish(Guid.NewGuid(), TestComplaints.TenantId, TaxonomyKind.Category, 0,
                [new("=cmd", "A")], now), "entries[0].code");
            ResultAssert.FailedValidation(Taxonomy.Publish(Guid.NewGuid(), TestComplaints.TenantId, TaxonomyKind.Category, 0,
                [new("ok", " ")], now), "entries[0].label");
            ResultAssert.FailedValidation(Taxonomy.Publish(Guid.NewGuid(), TestComplaints.TenantId, TaxonomyKind.Category, 0,
                [new(new string('a', 101), "A")], now), "entries[0].code");
        }
    }

    private static Result<bool> ToResult(Result result) => result.IsSuccess ? true : result.Error;
}
