using Cms.Application.Complaints;
using Cms.Domain.Complaints;
using Cms.Domain.Regulation;
using Cms.Infrastructure.Complaints;
using Cms.Tests.Support;
using Npgsql;

namespace Cms.Tests.Infrastructure;

/// <summary>
/// The due list's SQL, as the service runs it, can use its indexes on PostgreSQL as the service role under row-level
/// security: with sequential scans disabled the planner still finds an index path that leads with tenant_id (a predicate
/// that is not leakproof would leave it only a filtered scan). Speed itself is measured by the benchmarks, not here.
/// </summary>
public sealed class DueListPlanTests : OwnPostgresDatabase
{
    private static IEnumerable<TestCaseData> Shapes()
    {
        var now = DateTimeOffset.UtcNow;
        yield return new TestCaseData(new DueFilter(null, now), false, "ix_complaints_next_due").SetArgDisplayNames("overdue");
        yield return new TestCaseData(new DueFilter(now, now.AddDays(7)), true, "ix_complaints_next_due").SetArgDisplayNames("within, next page");
        yield return new TestCaseData(new DueFilter(null, now, AssigneeId: Guid.NewGuid()), false, "ix_complaints_due_assignee").SetArgDisplayNames("assignee");
        yield return new TestCaseData(new DueFilter(null, null, Status: ComplaintStatus.Investigating), true, "ix_complaints_due_status").SetArgDisplayNames("queue");
        yield return new TestCaseData(new DueFilter(null, now, Kind: DeadlineKind.InternalSla), false, "ix_complaint_deadlines_open_due").SetArgDisplayNames("kind");
        yield return new TestCaseData(new DueFilter(null, now, QueueId: Guid.NewGuid()), false, "ix_complaints_due_queue").SetArgDisplayNames("queue");
        yield return new TestCaseData(new DueFilter(now, now.AddDays(7), QueueId: Guid.NewGuid(), Unassigned: true), true, "ix_complaints_due_queue")
            .SetArgDisplayNames("queue, unassigned, next page");
        // Unassigned alone: ix_complaints_due_assignee (assignee_id IS NULL as an index condition) or ix_complaints_next_due with
        // the assignee as a filter, whichever the planner finds cheaper; both lead with tenant_id.
        yield return new TestCaseData(new DueFilter(null, now, Unassigned: true), false, "ix_complaints_").SetArgDisplayNames("unassigned");
        yield return new TestCaseData(new DueFilter(null, now, Kind: DeadlineKind.InternalSla, QueueId: Guid.NewGuid(), Unassigned: true), false,
            "ix_complaint_deadlines_open_due").SetArgDisplayNames("kind, queue, unassigned");
    }

    [TestCaseSource(nameof(Shapes))]
    public async Task The_due_list_can_use_its_index_under_row_level_security(DueFilter filter, bool afterCursor, string index)
    {
        await using var connection = Db.OpenApp();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var setup = new NpgsqlCommand($"SET LOCAL app.tenant_id = '{Guid.NewGuid():D}'; SET LOCAL enable_seqscan = off", connection, transaction))
        {
            await setup.ExecuteNonQueryAsync();
        }

        await using var explain = new NpgsqlCommand("EXPLAIN " + DueListSql.Build(filter, afterCursor), connection, transaction);
        explain.Parameters.AddWithValue("TenantId", Guid.NewGuid());
        explain.Parameters.AddWithValue("Take", 51);
        if (filter.Kind is { } kind)
        {
            explain.Parameters.AddWithValue("Kind", Cms.Domain.Common.WireNames.ToWire(kind));
        }
        if (filter.DueFrom is { } from)
        {
            explain.Parameters.AddWithValue("DueFrom", from);
        }
        if (filter.DueBefore is { } before)
        {
            explain.Parameters.AddWithValue("DueBefore", before);
        }
        if (filter.AssigneeId is { } assignee)
        {
            explain.Parameters.AddWithValue("AssigneeId", assignee);
        }
        if (filter.Status is { } status)
        {
            explain.Parameters.AddWithValue("Status", Cms.Domain.Common.WireNames.ToWire(status));
        }
        if (filter.QueueId is { } queue)
        {
            explain.Parameters.AddWithValue("QueueId", queue);
        }
        if (afterCursor)
        {
            explain.Parameters.AddWithValue("AfterAt", DateTimeOffset.UtcNow);
            explain.Parameters.AddWithValue("AfterId", Guid.NewGuid());
        }

        var plan = new List<string>();
        await using (var reader = await explain.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                plan.Add(reader.GetString(0));
            }
        }

        var text = string.Join("\n", plan);
        Assert.That(text, Does.Contain(index), text);
        Assert.That(text, Does.Not.Contain("Seq Scan"), text);
    }
}
