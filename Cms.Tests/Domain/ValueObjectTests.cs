using Cms.Domain.Common;
using Cms.Domain.Complaints;

namespace Cms.Tests.Domain;

public sealed class ValueObjectTests
{
    // ---- Money --------------------------------------------------------------------------------------------------

    [TestCase(0L, "GBP")]
    [TestCase(2_500L, "EUR")]
    [TestCase(Limits.MaxRedressMinor, "USD")]
    public void Money_within_range_with_an_iso_code(long amount, string currency)
    {
        var money = ResultAssert.Succeeded(Money.Create(amount, currency));

        Assert.That(money, Is.EqualTo(new Money(amount, currency)));
    }

    [TestCase(-1L)]
    [TestCase(long.MinValue)]
    [TestCase(Limits.MaxRedressMinor + 1)]
    [TestCase(long.MaxValue)]
    public void Money_out_of_range_is_refused(long amount)
    {
        ResultAssert.FailedValidation(Money.Create(amount, "GBP"), "redress.monetary.amountMinor");
    }

    [TestCase("gbp")]
    [TestCase("GB")]
    [TestCase("GBPX")]
    [TestCase("")]
    [TestCase("G1P")]
    [TestCase(" GBP")]
    [TestCase("GBP\n")]
    public void Money_with_a_bad_currency_is_refused(string currency)
    {
        ResultAssert.FailedValidation(Money.Create(100, currency), "redress.monetary.currency");
    }

    [Test]
    public void Money_with_a_null_currency_is_refused()
    {
        ResultAssert.FailedValidation(Money.Create(100, null!), "redress.monetary.currency");
    }

    [Test]
    public void Money_checks_the_amount_before_the_currency()
    {
        ResultAssert.FailedValidation(Money.Create(-5, "bad"), "redress.monetary.amountMinor");
    }

    [Test]
    public void Redress_none_holds_nothing()
    {
        Assert.That(Redress.None, Is.EqualTo(new Redress(null, null)));
    }

    // ---- ComplaintReference -------------------------------------------------------------------------------------

    [TestCase(2026, 42L, "CMP-2026-000042")]
    [TestCase(2026, 1L, "CMP-2026-000001")]
    [TestCase(2027, 999_999L, "CMP-2027-999999")]
    [TestCase(2027, 1_000_000L, "CMP-2027-1000000")]
    [TestCase(999, 7L, "CMP-0999-000007")]
    public void ComplaintReference_format(int year, long sequence, string expected)
    {
        Assert.That(ComplaintReference.Format(year, sequence), Is.EqualTo(expected));
    }

    // ---- ComplaintNote ------------------------------------------------------------------------------------------

    private static readonly DateTimeOffset Now = new(2026, 3, 27, 10, 0, 0, TimeSpan.Zero);

    [TestCase(NoteKind.Internal)]
    [TestCase(NoteKind.ConsumerCommunication)]
    public void ComplaintNote_belongs_to_the_complaint_and_its_tenant(NoteKind kind)
    {
        var complaint = TestComplaints.File();
        var id = Guid.CreateVersion7();

        var note = ResultAssert.Succeeded(ComplaintNote.Create(id, complaint, kind, "Called the consumer.", TestComplaints.AgentId, Now));

        Assert.That(note, Is.EqualTo(new ComplaintNote(id, complaint.TenantId, complaint.Id, kind, "Called the consumer.",
            TestComplaints.AgentId, Now)));
    }

    [Test]
    public void ComplaintNote_at_the_length_limit_is_accepted()
    {
        var body = new string('x', Limits.NoteBody);

        Assert.That(ComplaintNote.Create(Guid.CreateVersion7(), TestComplaints.File(), NoteKind.Internal, body, TestComplaints.AgentId, Now).IsSuccess,
            Is.True);
    }

    [TestCase("")]
    [TestCase("   ")]
    [TestCase("\n\t")]
    public void ComplaintNote_with_an_empty_body_is_refused(string body)
    {
        ResultAssert.FailedValidation(
            ComplaintNote.Create(Guid.CreateVersion7(), TestComplaints.File(), NoteKind.Internal, body, TestComplaints.AgentId, Now), "body");
    }

    [Test]
    public void ComplaintNote_over_the_length_limit_is_refused()
    {
        var body = new string('x', Limits.NoteBody + 1);

        ResultAssert.FailedValidation(
            ComplaintNote.Create(Guid.CreateVersion7(), TestComplaints.File(), NoteKind.Internal, body, TestComplaints.AgentId, Now), "body");
    }
}
