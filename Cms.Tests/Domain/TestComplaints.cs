using Cms.Domain.Complaints;
using Cms.Domain.Regulation;

namespace Cms.Tests.Domain;

/// <summary>The stages a complaint can be built into by its legal path (some statuses are reachable in two ways).</summary>
public enum Stage
{
    Received,
    Acknowledged,
    Investigating,
    AwaitingConsumer,
    Resolved,
    Closed,
    Referred,
    ReferredWithOutcome,
    ClosedAfterReferral,
    Reopened,

    /// <summary>Received, then merged as a duplicate into another complaint of the same consumer.</summary>
    Merged,
}

/// <summary>Every command a complaint accepts.</summary>
public enum ComplaintAction
{
    Acknowledge,
    Start,
    AwaitConsumer,
    Assign,
    Resolve,
    Close,
    Reopen,
    Refer,
    RecordReferralOutcome,
}

/// <summary>Builds complaints in a given stage through the legal path, one minute per step.</summary>
internal static class TestComplaints
{
    /// <summary>A Friday, 10:00 UTC (10:00 GMT in London, 11:00 CET in Brussels, 06:00 EDT in New York).</summary>
    public static readonly DateTimeOffset ReceivedAt = new(2026, 3, 27, 10, 0, 0, TimeSpan.Zero);

    public static readonly Guid TenantId = new("0190a0f0-0000-7000-8000-000000000001");
    public static readonly Guid ConsumerId = new("0190a0f0-0000-7000-8000-000000000002");
    public static readonly Guid AgentId = new("0190a0f0-0000-7000-8000-000000000003");
    public static readonly Guid OtherAgentId = new("0190a0f0-0000-7000-8000-000000000004");

    public static readonly Resolution UpheldResolution = new(Outcome.Upheld, Redress.None, "billing_error");

    /// <summary>The one filing every test files from: a web complaint of <see cref="ConsumerId"/> in <see cref="TenantId"/>
    /// (codes with stray spaces, as callers send them); change what a test is about with <c>with { ... }</c>.</summary>
    public static ComplaintFiling Filing(RegulatoryProfile? profile = null, string reference = "CMP-2026-000042") =>
        new(Guid.CreateVersion7(), TenantId, reference, ConsumerId, Channel.Web, " Current account ", " Charges ", "I was charged twice.",
            Priority.Normal, profile ?? RegulatoryProfiles.UkBanking);

    public static Complaint File(RegulatoryProfile? profile = null, ComplaintFlags? flags = null, DateTimeOffset? receivedAt = null)
    {
        var received = receivedAt ?? ReceivedAt;
        var result = Complaint.File(Filing(profile) with { Flags = flags ?? ComplaintFlags.None, ReceivedAt = received }, received);
        Assert.That(result.IsSuccess, Is.True, () => $"File failed: {result.Error}");
        return result.Value;
    }

    /// <summary>Files a complaint at <see cref="ReceivedAt"/> and walks it to <paramref name="stage"/>, one minute per step.</summary>
    public static Complaint InStage(Stage stage, RegulatoryProfile? profile = null) => InStage(stage, out _, profile);

    public static Complaint InStage(Stage stage, out DateTimeOffset lastStepAt, RegulatoryProfile? profile = null)
    {
        var complaint = File(profile);
        var now = ReceivedAt;
        foreach (var step in PathTo(stage))
        {
            now = now.AddMinutes(1);
            var result = Apply(complaint, step, now);
            Assert.That(result.IsSuccess, Is.True, () => $"Building {stage}: {step} failed: {result.Error}");
        }

        if (stage == Stage.Merged)
        {
            now = now.AddMinutes(1);
            var merged = File(profile).Merge(complaint, TenantClock.None, now);
            Assert.That(merged.IsSuccess, Is.True, () => $"Building {stage}: merge failed: {merged.Error}");
        }

        lastStepAt = now;
        return complaint;
    }

    public static ComplaintStatus StatusOf(Stage stage) => stage switch
    {
        Stage.Received => ComplaintStatus.Received,
        Stage.Acknowledged => ComplaintStatus.Acknowledged,
        Stage.Investigating or Stage.Reopened => ComplaintStatus.Investigating,
        Stage.AwaitingConsumer => ComplaintStatus.AwaitingConsumer,
        Stage.Resolved => ComplaintStatus.Resolved,
        Stage.Closed or Stage.ClosedAfterReferral => ComplaintStatus.Closed,
        Stage.Referred or Stage.ReferredWithOutcome => ComplaintStatus.Referred,
        Stage.Merged => ComplaintStatus.Merged,
        _ => throw new ArgumentOutOfRangeException(nameof(stage), stage, null),
    };

    public static IReadOnlyList<ComplaintAction> PathTo(Stage stage) => stage switch
    {
        Stage.Received => [],
        Stage.Acknowledged => [ComplaintAction.Acknowledge],
        Stage.Investigating => [.. PathTo(Stage.Acknowledged), ComplaintAction.Start],
        Stage.AwaitingConsumer => [.. PathTo(Stage.Investigating), ComplaintAction.AwaitConsumer],
        Stage.Resolved => [.. PathTo(Stage.Investigating), ComplaintAction.Resolve],
        Stage.Closed => [.. PathTo(Stage.Resolved), ComplaintAction.Close],
        Stage.Referred => [.. PathTo(Stage.Resolved), ComplaintAction.Refer],
        Stage.ReferredWithOutcome => [.. PathTo(Stage.Referred), ComplaintAction.RecordReferralOutcome],
        Stage.ClosedAfterReferral => [.. PathTo(Stage.ReferredWithOutcome), ComplaintAction.Close],
        Stage.Reopened => [.. PathTo(Stage.Closed), ComplaintAction.Reopen],
        Stage.Merged => [],
        _ => throw new ArgumentOutOfRangeException(nameof(stage), stage, null),
    };

    /// <summary>Runs one command with typical arguments; Assign always names a new staff member.</summary>
    public static Cms.Domain.Common.Result Apply(Complaint complaint, ComplaintAction action, DateTimeOffset now) => action switch
    {
        ComplaintAction.Acknowledge => complaint.Acknowledge(now),
        ComplaintAction.Start => complaint.Start(now),
        ComplaintAction.AwaitConsumer => complaint.AwaitConsumer(now),
        ComplaintAction.Assign => complaint.Assign(Guid.CreateVersion7(), now),
        ComplaintAction.Resolve => complaint.Resolve(UpheldResolution, now),
        ComplaintAction.Close => complaint.Close(now),
        ComplaintAction.Reopen => complaint.Reopen(now),
        ComplaintAction.Refer => complaint.Refer("Financial Ombudsman Service", "FOS-123", now),
        ComplaintAction.RecordReferralOutcome => complaint.RecordReferralOutcome(ReferralOutcome.NotUpheldForConsumer, now),
        _ => throw new ArgumentOutOfRangeException(nameof(action), action, null),
    };
}

/// <summary>Everything a failed command must leave untouched, in a form that compares by value.</summary>
internal sealed record ComplaintSnapshot(
    ComplaintStatus Status,
    long Version,
    DateTimeOffset UpdatedAt,
    Guid? AssigneeId,
    DateTimeOffset? AcknowledgedAt,
    DateTimeOffset? SummaryResolutionAt,
    DateTimeOffset? FinalResponseAt,
    DateTimeOffset? ResolvedAt,
    DateTimeOffset? ClosedAt,
    DateTimeOffset? ReopenedAt,
    Resolution? Resolution,
    Referral? Referral,
    string PendingChanges,
    string Deadlines)
{
    public static ComplaintSnapshot Of(Complaint c) => new(c.Status, c.Version, c.UpdatedAt, c.AssigneeId, c.AcknowledgedAt,
        c.SummaryResolutionAt, c.FinalResponseAt, c.ResolvedAt, c.ClosedAt, c.ReopenedAt, c.Resolution, c.Referral,
        string.Join(",", c.PendingChanges), string.Join(";", c.Deadlines));
}
