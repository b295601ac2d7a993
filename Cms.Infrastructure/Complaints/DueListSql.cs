using System.Text;
using Cms.Application.Complaints;

namespace Cms.Infrastructure.Complaints;

/// <summary>
/// The SQL of the due list (public so a test can EXPLAIN exactly what runs). Without a kind: complaints by next_due_at
/// (set only while open), on ix_complaints_next_due or, with an assignee (or unassigned), a status or a queue, on the
/// partial ix_complaints_due_assignee / ix_complaints_due_status / ix_complaints_due_queue (and, for the unassigned ones
/// of a queue, ix_complaints_due_queue_unassigned). With a kind: that kind's unmet, applying, running deadlines of
/// open complaints on the partial ix_complaint_deadlines_open_due. Both keyset-ordered on (due instant, complaint id),
/// unique in each case. Parameters: @TenantId, @Kind, @DueFrom, @DueBefore, @AssigneeId, @Status, @QueueId, @AfterAt, @AfterId, @Take;
/// only the fragments for the filters given are included, every value travels as a parameter.
/// </summary>
public static class DueListSql
{
    public static string Build(DueFilter filter, bool afterCursor)
    {
        string due, id;
        StringBuilder sql;
        if (filter.Kind is not null)
        {
            (due, id) = ("d.due_at", "d.complaint_id");
            sql = new StringBuilder(
                """
                SELECT c.id AS ComplaintId, c.reference, c.status, c.assignee_id, c.priority, c.received_at, d.kind, d.due_at, c.version, c.queue_id
                FROM complaint_deadlines d
                JOIN complaints c ON c.tenant_id = d.tenant_id AND c.id = d.complaint_id
                WHERE d.tenant_id = @TenantId AND d.kind = @Kind AND d.met_at IS NULL AND d.withdrawn_at IS NULL AND d.paused_at IS NULL
                  AND c.status IN ('received', 'acknowledged', 'investigating', 'awaiting_consumer')
                """);
        }
        else
        {
            (due, id) = ("c.next_due_at", "c.id");
            sql = new StringBuilder(
                """
                SELECT c.id AS ComplaintId, c.reference, c.status, c.assignee_id, c.priority, c.received_at, c.next_due_kind AS Kind,
                       c.next_due_at AS DueAt, c.version, c.queue_id
                FROM complaints c
                WHERE c.tenant_id = @TenantId AND c.next_due_at IS NOT NULL
                """);
        }

        if (filter.DueFrom is not null)
        {
            sql.Append(" AND ").Append(due).Append(" >= @DueFrom");
        }

        if (filter.DueBefore is not null)
        {
            sql.Append(" AND ").Append(due).Append(" < @DueBefore");
        }

        if (filter.AssigneeId is not null)
        {
            sql.Append(" AND c.assignee_id = @AssigneeId");
        }

        if (filter.Status is not null)
        {
            sql.Append(" AND c.status = @Status");
        }

        if (filter.QueueId is not null)
        {
            sql.Append(" AND c.queue_id = @QueueId");
        }

        if (filter.Unassigned)
        {
            // The very text of the partial indexes' predicate (ix_complaints_due_queue_unassigned).
            sql.Append(" AND c.assignee_id IS NULL");
        }

        if (afterCursor)
        {
            sql.Append(" AND (").Append(due).Append(", ").Append(id).Append(") > (@AfterAt, @AfterId)");
        }

        return sql.Append(" ORDER BY ").Append(due).Append(", ").Append(id).Append(" LIMIT @Take").ToString();
    }
}
