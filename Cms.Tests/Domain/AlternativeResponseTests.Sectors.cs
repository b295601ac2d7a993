using Cms.Domain.Complaints;
using Cms.Domain.Regulation;

namespace Cms.Tests.Domain;

public sealed partial class AlternativeResponseTests
{
    // ---- CFPB: 15 days, or "in progress" and the final response by day 60 -------------------------------------------

    [Test]
    public void An_in_progress_response_meets_the_cfpb_fifteen_days_and_makes_day_sixty_bind()
    {
        var complaint = TestComplaints.File(RegulatoryProfiles.UsBanking);
        Assert.That(complaint.Deadlines.Select(d => d.Kind), Is.EqualTo(new[] { DeadlineKind.CompanyResponse }));
        var sentAt = Received.AddDays(10);

        ResultAssert.Succeeded(Send(complaint, ResponseType.HoldingResponse, sentAt));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Of(complaint, DeadlineKind.CompanyResponse).MetAt, Is.EqualTo(sentAt));
            Assert.That(Of(complaint, DeadlineKind.CompanyResponse).DueAt, Is.EqualTo(CfpbFifteenDays));
            Assert.That(Of(complaint, DeadlineKind.CompanyFinalResponse).DueAt, Is.EqualTo(CfpbSixtyDays));
            Assert.That(complaint.NextDueAt, Is.EqualTo(CfpbSixtyDays));
        }
    }

    [Test]
    public void A_cfpb_final_response_within_fifteen_days_leaves_no_day_sixty_deadline()
    {
        var complaint = TestComplaints.File(RegulatoryProfiles.UsBanking);
        var resolvedAt = Received.AddDays(10);

        ResultAssert.Succeeded(complaint.Resolve(TestComplaints.UpheldResolution, resolvedAt));

        Assert.That(complaint.Deadlines.Select(d => (d.Kind, d.MetAt)), Is.EqualTo(new[] { (DeadlineKind.CompanyResponse, (DateTimeOffset?)resolvedAt) }));
    }

    // ---- Regulation E: 10 business days, or provisional credit and 45 days ------------------------------------------

    [Test]
    public void Provisional_credit_meets_the_ten_business_days_and_makes_the_forty_five_days_bind()
    {
        var complaint = TestComplaints.File(RegulatoryProfiles.UsBanking, PaymentServices);
        var creditedAt = Received.AddDays(7);
        var version = complaint.Version;

        ResultAssert.Succeeded(complaint.RecordProvisionalCredit(creditedAt, TenantClock.None, creditedAt.AddHours(1)));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(complaint.ProvisionalCreditAt, Is.EqualTo(creditedAt));
            Assert.That(Of(complaint, DeadlineKind.ErrorInvestigation).MetAt, Is.EqualTo(creditedAt));
            Assert.That(Of(complaint, DeadlineKind.ErrorInvestigation).DueAt, Is.EqualTo(RegETenDays));
            Assert.That(Of(complaint, DeadlineKind.ErrorInvestigationExtended).DueAt, Is.EqualTo(RegEFortyFiveDays));
            Assert.That(Of(complaint, DeadlineKind.ErrorInvestigationExtended).MetAt, Is.Null);
            Assert.That(complaint.Version, Is.EqualTo(version + 1));
            Assert.That(complaint.PendingChanges, Is.EqualTo(new[] { "provisionalCreditAt", "deadlines" }));
        }
    }

    [Test]
    public void Provisional_credit_after_ten_business_days_is_a_breach()
    {
        var complaint = TestComplaints.File(RegulatoryProfiles.UsBanking, PaymentServices);
        var late = RegETenDays.AddDays(1);

        ResultAssert.Succeeded(complaint.RecordProvisionalCredit(late, TenantClock.None, late));

        Assert.That(Of(complaint, DeadlineKind.ErrorInvestigation).IsBreached(late), Is.True);
    }

    [Test]
    public void Provisional_credit_is_recorded_once_not_in_the_future_nor_before_receipt_nor_on_a_merged_duplicate()
    {
        var complaint = TestComplaints.File(RegulatoryProfiles.UsBanking, PaymentServices);
        var now = Received.AddDays(3);

        using (Assert.EnterMultipleScope())
        {
            ResultAssert.FailedValidation(complaint.RecordProvisionalCredit(now.AddMinutes(1), TenantClock.None, now), "creditedAt");
            ResultAssert.FailedValidation(complaint.RecordProvisionalCredit(Received.AddMinutes(-1), TenantClock.None, now), "creditedAt");
            Assert.That(complaint.Version, Is.EqualTo(1));
            ResultAssert.Succeeded(complaint.RecordProvisionalCredit(now, TenantClock.None, now));
            Assert.That(ResultAssert.Failed(complaint.RecordProvisionalCredit(now, TenantClock.None, now)).Code,
                Is.EqualTo("complaint.provisional_credit_recorded"));
            var merged = TestComplaints.InStage(Stage.Merged, RegulatoryProfiles.UsBanking);
            Assert.That(ResultAssert.Failed(merged.RecordProvisionalCredit(now, TenantClock.None, now)).Code, Is.EqualTo("complaint.illegal_transition"));
        }
    }

    [Test]
    public void Provisional_credit_before_the_payment_services_flag_meets_the_ten_days_when_flagged()
    {
        var complaint = TestComplaints.File(RegulatoryProfiles.UsBanking);
        var creditedAt = Received.AddDays(2);
        ResultAssert.Succeeded(complaint.RecordProvisionalCredit(creditedAt, TenantClock.None, creditedAt));
        Assert.That(complaint.Deadlines.Select(d => d.Kind), Is.EqualTo(new[] { DeadlineKind.CompanyResponse }));

        ResultAssert.Succeeded(complaint.SetPaymentServices(true, TenantClock.None, Received.AddDays(3)));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Of(complaint, DeadlineKind.ErrorInvestigation).MetAt, Is.EqualTo(creditedAt));
            Assert.That(Of(complaint, DeadlineKind.ErrorInvestigationExtended).MetAt, Is.Null);
        }
    }

    [Test]
    public void Under_us_banking_version_2_provisional_credit_meets_nothing()
    {
        var complaint = TestComplaints.File(RegulatoryProfiles.UsBankingV2, PaymentServices);

        ResultAssert.Succeeded(complaint.RecordProvisionalCredit(Received.AddDays(2), TenantClock.None, Received.AddDays(2)));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(complaint.Deadlines.Select(d => d.MetAt), Is.All.Null);
            Assert.That(complaint.PendingChanges, Is.EqualTo(new[] { "provisionalCreditAt" }));
        }
    }

    // ---- Ofcom: the ADR (deadlock) letter -----------------------------------------------------------------------------

    [TestCase("uk_telecom_ofcom_c4")]
    [TestCase("eu_telecom_c4")]
    public void An_adr_letter_meets_the_adr_letter_deadline_and_opens_the_referral(string code)
    {
        var complaint = TestComplaints.File(RegulatoryProfiles.ByCode(code));
        var sentAt = Received.AddDays(20);

        ResultAssert.Succeeded(Send(complaint, ResponseType.AdrLetter, sentAt));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Of(complaint, DeadlineKind.AdrLetter).MetAt, Is.EqualTo(sentAt));
            Assert.That(complaint.NextDueAt, Is.Null);
        }

        ResultAssert.Succeeded(complaint.Refer("Ombudsman Services: Communications", null, sentAt.AddDays(1)));
    }

    [Test]
    public void Under_telecom_version_1_an_adr_letter_meets_nothing()
    {
        var complaint = TestComplaints.File(RegulatoryProfiles.UkTelecomV1);

        ResultAssert.Succeeded(Send(complaint, ResponseType.AdrLetter, Received.AddDays(20)));

        Assert.That(Of(complaint, DeadlineKind.AdrLetter).MetAt, Is.Null);
    }

    [Test]
    public void A_holding_response_meets_no_telecom_or_airline_deadline()
    {
        foreach (var profile in new[] { RegulatoryProfiles.UkTelecom, RegulatoryProfiles.UsAirline, RegulatoryProfiles.EuAirline, RegulatoryProfiles.UsTelecom })
        {
            var complaint = TestComplaints.File(profile);

            ResultAssert.Succeeded(Send(complaint, ResponseType.HoldingResponse, Received.AddDays(5)));

            Assert.That(complaint.Deadlines.Select(d => d.MetAt), Is.All.Null, profile.Code);
        }
    }

    // ---- Merging: the duplicate's responses count for the survivor ------------------------------------------------

    [Test]
    public void A_holding_reply_sent_on_a_merged_duplicate_counts_for_the_survivor()
    {
        var survivor = TestComplaints.File(RegulatoryProfiles.UkBanking, PaymentServices);
        var duplicate = TestComplaints.File(RegulatoryProfiles.UkBanking, PaymentServices, Received.AddHours(2));
        var sentAt = Received.AddDays(3);
        ResultAssert.Succeeded(Send(duplicate, ResponseType.HoldingResponse, sentAt));

        ResultAssert.Succeeded(survivor.Merge(duplicate, TenantClock.None, Received.AddDays(4)));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Of(survivor, DeadlineKind.PaymentServicesFinalResponse).MetAt, Is.EqualTo(sentAt));
            Assert.That(Of(survivor, DeadlineKind.PaymentServicesExceptionalFinalResponse).MetAt, Is.Null);
            Assert.That(survivor.PendingChanges, Is.EqualTo(new[] { "mergedComplaints", "deadlines" }));
            Assert.That(survivor.AddedResponses, Is.Empty, "the duplicate's responses stay its own rows");
        }

        // A later recomputation still sees the duplicate's reply (the 35 business days keep binding).
        ResultAssert.Succeeded(survivor.CorrectReceivedAt(Received.AddHours(-1), TenantClock.None, Received.AddDays(5)));
        Assert.That(survivor.Deadlines.Select(d => d.Kind), Does.Contain(DeadlineKind.PaymentServicesExceptionalFinalResponse));
    }

    [Test]
    public void Merging_an_earlier_duplicate_with_provisional_credit_meets_the_survivors_ten_days()
    {
        var survivor = TestComplaints.File(RegulatoryProfiles.UsBanking, PaymentServices);
        var duplicate = TestComplaints.File(RegulatoryProfiles.UsBanking, PaymentServices, Received.AddDays(-1));
        var creditedAt = Received.AddDays(1);
        ResultAssert.Succeeded(duplicate.RecordProvisionalCredit(creditedAt, TenantClock.None, creditedAt));

        ResultAssert.Succeeded(survivor.Merge(duplicate, TenantClock.None, Received.AddDays(2)));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(survivor.ProvisionalCreditAt, Is.EqualTo(creditedAt));
            Assert.That(survivor.ReceivedAt, Is.EqualTo(Received.AddDays(-1)));
            Assert.That(Of(survivor, DeadlineKind.ErrorInvestigation).MetAt, Is.EqualTo(creditedAt));
            Assert.That(Of(survivor, DeadlineKind.ErrorInvestigationExtended).MetAt, Is.Null);
            Assert.That(survivor.PendingChanges, Is.EquivalentTo(new[] { "mergedComplaints", "provisionalCreditAt", "receivedAt", "deadlines" }));
        }
    }

    private static void AssertIllegalRefer(Complaint complaint, DateTimeOffset at) =>
        Assert.That(ResultAssert.Failed(complaint.Refer("Financial Ombudsman Service", null, at)).Code, Is.EqualTo("complaint.illegal_transition"));
}
