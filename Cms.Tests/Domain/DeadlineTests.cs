using Cms.Domain.Regulation;

namespace Cms.Tests.Domain;

public sealed class DeadlineTests
{
    private static readonly DateTimeOffset Due = new DateTimeOffset(2026, 5, 22, 23, 0, 0, TimeSpan.Zero).AddTicks(-1);

    [TestCase(-1, false)]
    [TestCase(0, false)]
    [TestCase(1, true)]
    public void An_unmet_deadline_is_breached_only_after_its_due_instant(long ticksAfterDue, bool breached)
    {
        var deadline = new Deadline(DeadlineKind.FinalResponse, Due, null);

        Assert.That(deadline.IsBreached(Due.AddTicks(ticksAfterDue)), Is.EqualTo(breached));
    }

    [TestCase(-1, false)]
    [TestCase(0, false)]
    [TestCase(1, true)]
    public void A_met_deadline_is_breached_only_if_it_was_met_late_whatever_the_time_now(long metTicksAfterDue, bool breached)
    {
        var deadline = new Deadline(DeadlineKind.FinalResponse, Due, Due.AddTicks(metTicksAfterDue));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(deadline.IsBreached(Due.AddDays(-10)), Is.EqualTo(breached));
            Assert.That(deadline.IsBreached(Due.AddDays(365)), Is.EqualTo(breached));
        }
    }

    [Test]
    public void A_passed_summary_resolution_window_is_not_a_breach()
    {
        // DeadlineKindExtensions.IsOptional: "a passed summary-resolution window is not a breach".
        var unmet = new Deadline(DeadlineKind.SummaryResolution, Due, null);
        var metLate = new Deadline(DeadlineKind.SummaryResolution, Due, Due.AddDays(1));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(unmet.IsBreached(Due.AddDays(30)), Is.False);
            Assert.That(metLate.IsBreached(Due.AddDays(30)), Is.False);
        }
    }

    [Test]
    public void Only_the_summary_resolution_is_optional()
    {
        var optional = Enum.GetValues<DeadlineKind>().Where(k => k.IsOptional());

        Assert.That(optional, Is.EqualTo(new[] { DeadlineKind.SummaryResolution }));
    }

    [Test]
    public void Deadlines_compare_by_value()
    {
        var stored = new Deadline(DeadlineKind.AdrLetter, Due, null);
        var computed = new Deadline(DeadlineKind.AdrLetter, Due, null);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(computed, Is.EqualTo(stored));
            Assert.That(computed with { MetAt = Due }, Is.Not.EqualTo(stored));
        }
    }
}
