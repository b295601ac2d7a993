using Cms.Domain.Common;
using Cms.Domain.Complaints;

namespace Cms.Tests.Domain;

/// <summary>
/// Every (stage, action) pair: a complaint is built in each stage through the legal path, then each command is tried an
/// hour after receipt (inside the UK summary window, before any mandatory deadline has passed).
/// </summary>
public sealed class ComplaintTransitionTableTests
{
    /// <summary>The legal moves and where they lead; every other pair must be refused.</summary>
    private static readonly Dictionary<(Stage, ComplaintAction), ComplaintStatus> Legal = new()
    {
        [(Stage.Received, ComplaintAction.Acknowledge)] = ComplaintStatus.Acknowledged,
        [(Stage.Received, ComplaintAction.Assign)] = ComplaintStatus.Received,
        [(Stage.Received, ComplaintAction.Resolve)] = ComplaintStatus.Resolved,

        [(Stage.Acknowledged, ComplaintAction.Start)] = ComplaintStatus.Investigating,
        [(Stage.Acknowledged, ComplaintAction.Assign)] = ComplaintStatus.Acknowledged,
        [(Stage.Acknowledged, ComplaintAction.Resolve)] = ComplaintStatus.Resolved,

        [(Stage.Investigating, ComplaintAction.AwaitConsumer)] = ComplaintStatus.AwaitingConsumer,
        [(Stage.Investigating, ComplaintAction.Assign)] = ComplaintStatus.Investigating,
        [(Stage.Investigating, ComplaintAction.Resolve)] = ComplaintStatus.Resolved,

        [(Stage.AwaitingConsumer, ComplaintAction.Start)] = ComplaintStatus.Investigating,
        [(Stage.AwaitingConsumer, ComplaintAction.Assign)] = ComplaintStatus.AwaitingConsumer,
        [(Stage.AwaitingConsumer, ComplaintAction.Resolve)] = ComplaintStatus.Resolved,

        [(Stage.Resolved, ComplaintAction.Assign)] = ComplaintStatus.Resolved,
        [(Stage.Resolved, ComplaintAction.Close)] = ComplaintStatus.Closed,
        [(Stage.Resolved, ComplaintAction.Refer)] = ComplaintStatus.Referred,

        [(Stage.Closed, ComplaintAction.Reopen)] = ComplaintStatus.Investigating,
        [(Stage.Closed, ComplaintAction.Refer)] = ComplaintStatus.Referred,

        [(Stage.ClosedAfterReferral, ComplaintAction.Reopen)] = ComplaintStatus.Investigating,
        [(Stage.ClosedAfterReferral, ComplaintAction.Refer)] = ComplaintStatus.Referred,

        [(Stage.Referred, ComplaintAction.Assign)] = ComplaintStatus.Referred,
        [(Stage.Referred, ComplaintAction.RecordReferralOutcome)] = ComplaintStatus.Referred,

        [(Stage.ReferredWithOutcome, ComplaintAction.Assign)] = ComplaintStatus.Referred,
        [(Stage.ReferredWithOutcome, ComplaintAction.Close)] = ComplaintStatus.Closed,

        [(Stage.Reopened, ComplaintAction.AwaitConsumer)] = ComplaintStatus.AwaitingConsumer,
        [(Stage.Reopened, ComplaintAction.Assign)] = ComplaintStatus.Investigating,
        [(Stage.Reopened, ComplaintAction.Resolve)] = ComplaintStatus.Resolved,
    };

    /// <summary>Refusals that are conflicts with a code of their own rather than an illegal transition.</summary>
    private static readonly Dictionary<(Stage, ComplaintAction), string> OtherConflicts = new()
    {
        [(Stage.ReferredWithOutcome, ComplaintAction.RecordReferralOutcome)] = "complaint.referral_outcome_recorded",
    };

    private static IEnumerable<TestCaseData> LegalPairs() =>
        from stage in Enum.GetValues<Stage>()
        from action in Enum.GetValues<ComplaintAction>()
        where Legal.ContainsKey((stage, action))
        select new TestCaseData(stage, action, Legal[(stage, action)]).SetArgDisplayNames(stage.ToString(), action.ToString());

    private static IEnumerable<TestCaseData> IllegalPairs() =>
        from stage in Enum.GetValues<Stage>()
        from action in Enum.GetValues<ComplaintAction>()
        where !Legal.ContainsKey((stage, action))
        select new TestCaseData(stage, action, OtherConflicts.GetValueOrDefault((stage, action), "complaint.illegal_transition"))
            .SetArgDisplayNames(stage.ToString(), action.ToString());

    [TestCaseSource(nameof(LegalPairs))]
    public void Legal_move_succeeds_and_bumps_the_version_by_one(Stage stage, ComplaintAction action, ComplaintStatus expected)
    {
        var complaint = TestComplaints.InStage(stage, out var builtAt);
        var versionBefore = complaint.Version;
        var now = builtAt.AddHours(1);

        var result = TestComplaints.Apply(complaint, action, now);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.IsSuccess, Is.True, () => $"{action} from {stage} failed: {result.Error}");
            Assert.That(complaint.Status, Is.EqualTo(expected));
            Assert.That(complaint.Version, Is.EqualTo(versionBefore + 1));
            Assert.That(complaint.UpdatedAt, Is.EqualTo(now));
        }
    }

    [TestCaseSource(nameof(IllegalPairs))]
    public void Illegal_move_is_a_conflict_and_changes_nothing(Stage stage, ComplaintAction action, string expectedCode)
    {
        var complaint = TestComplaints.InStage(stage, out var builtAt);
        var before = ComplaintSnapshot.Of(complaint);

        var result = TestComplaints.Apply(complaint, action, builtAt.AddHours(1));

        var error = ResultAssert.Failed(result);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(error.Kind, Is.EqualTo(ErrorKind.Conflict));
            Assert.That(error.Code, Is.EqualTo(expectedCode));
            if (expectedCode == "complaint.illegal_transition")
            {
                Assert.That(error.Message, Does.Contain($"'{TestComplaints.StatusOf(stage).ToWire()}'"));
            }

            Assert.That(ComplaintSnapshot.Of(complaint), Is.EqualTo(before));
        }
    }

    [Test]
    public void The_table_covers_every_stage_and_action()
    {
        var total = LegalPairs().Count() + IllegalPairs().Count();

        Assert.That(total, Is.EqualTo(Enum.GetValues<Stage>().Length * Enum.GetValues<ComplaintAction>().Length));
    }

    [Test]
    public void Every_status_is_reachable_through_the_legal_path()
    {
        var reached = Enum.GetValues<Stage>().Select(s => TestComplaints.InStage(s).Status).Distinct();

        Assert.That(reached, Is.EquivalentTo(Enum.GetValues<ComplaintStatus>()));
    }

    [TestCase(ComplaintStatus.AwaitingConsumer, "awaiting_consumer")]
    [TestCase(ComplaintStatus.Received, "received")]
    [TestCase(ComplaintStatus.Closed, "closed")]
    public void Illegal_transition_message_names_the_status_in_lower_snake_case(ComplaintStatus status, string wire)
    {
        var stage = Enum.GetValues<Stage>().First(s => TestComplaints.StatusOf(s) == status);
        var complaint = TestComplaints.InStage(stage);

        var result = complaint.Close(TestComplaints.ReceivedAt.AddHours(2));

        Assert.That(result.Error?.Message, Is.EqualTo(
            $"Cannot close a complaint in status '{wire}': only a resolved complaint can be closed."));
    }
}
