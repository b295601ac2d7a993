using System.Text;
using Cms.Application.Abstractions;
using Cms.Application.Audit;
using Cms.Application.Common;
using Cms.Application.Complaints;
using Cms.Application.Consumers;
using Cms.Application.Queues;
using Cms.Application.Staff;
using Cms.Application.Tenants;
using Cms.Domain.Common;
using Cms.Infrastructure.Crypto;
using Cms.Infrastructure.Persistence;
using Cms.Infrastructure.Privacy;
using Dapper;

namespace Cms.Infrastructure.Queries;

// Read side (QuerySession: the read replica when one is configured, the primary inside a command): SQL straight into DTOs, tenant_id = @TenantId in every statement, keyset paging (fetch limit + 1 rows
// after the cursor key). Filters add fixed SQL fragments; every value travels as a parameter.

internal sealed class TenantQueries(QuerySession db) : ITenantQueries
{
    public async Task<TenantDto?> GetAsync(Guid id, CancellationToken cancellationToken) =>
        await db.QuerySingleOrDefaultAsync<TenantRow>($"SELECT {TenantRow.Columns} FROM tenants WHERE id = @Id", new { Id = id },
            cancellationToken) is { } row
            ? TenantDto.From(row.ToDomain())
            : null;

    /// <summary>The tenant registry has no tenant data and no row-level security: platform operators list it.</summary>
    public async Task<Page<TenantDto>> ListAsync(string? name, int limit, CursorKey? after, CancellationToken cancellationToken)
    {
        var sql = new StringBuilder($"SELECT {TenantRow.Columns} FROM tenants WHERE id > @AfterId");
        if (name is not null)
        {
            sql.Append(" AND name = @Name");
        }

        sql.Append(" ORDER BY id LIMIT @Take");
        var rows = await db.QueryAsync<TenantRow>(sql.ToString(),
            new { Name = name, AfterId = after?.Id ?? Guid.Empty, Take = limit + 1 }, cancellationToken);
        return Cursor.ToPage([.. rows.Select(r => TenantDto.From(r.ToDomain()))], limit, t => new CursorKey(null, t.Id));
    }
}

internal sealed class StaffQueries(QuerySession db, TenantScope scope) : IStaffQueries
{
    public async Task<Page<StaffDto>> ListAsync(int limit, CursorKey? after, CancellationToken cancellationToken)
    {
        var sql = new StringBuilder($"SELECT {StaffRow.Columns} FROM staff_users WHERE tenant_id = @TenantId");
        if (after is not null)
        {
            sql.Append(" AND id > @AfterId");
        }

        sql.Append(" ORDER BY id LIMIT @Take");
        var rows = await db.QueryAsync<StaffRow>(sql.ToString(),
            new { TenantId = scope.Required, AfterId = after?.Id ?? Guid.Empty, Take = limit + 1 }, cancellationToken);
        return Cursor.ToPage([.. rows.Select(r => StaffDto.From(r.ToDomain()))], limit, s => new CursorKey(null, s.Id));
    }
}

internal sealed class ConsumerQueries(QuerySession db, TenantScope scope, ConsumerSealing sealing) : IConsumerQueries
{
    public async Task<ConsumerDto?> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        var row = await db.QuerySingleOrDefaultAsync<ConsumerRow>(
            $"{ConsumerRow.SelectFrom} WHERE c.tenant_id = @TenantId AND c.id = @Id",
            new { TenantId = scope.Required, Id = id }, cancellationToken);
        return row is null ? null : (await sealing.OpenAsync(row, cancellationToken)).ToDto();
    }

    /// <summary>Exact match through the blind indexes: the lookup values are normalised and HMAC'd with the tenant's
    /// blind-index key, never compared in plaintext.</summary>
    public async Task<Page<ConsumerDto>> FindAsync(string? externalRef, string? email, string? phone, int limit, CursorKey? after,
        CancellationToken cancellationToken)
    {
        var externalRefIndex = await sealing.LookupIndexAsync(ConsumerColumns.ExternalRef, ConsumerColumns.NormaliseExternalRef(externalRef), cancellationToken);
        var emailIndex = await sealing.LookupIndexAsync(ConsumerColumns.Email, ConsumerColumns.NormaliseEmail(email), cancellationToken);
        var phoneIndex = await sealing.LookupIndexAsync(ConsumerColumns.Phone, ConsumerColumns.NormalisePhone(phone), cancellationToken);
        if ((externalRef is not null && externalRefIndex is null) || (email is not null && emailIndex is null)
            || (phone is not null && phoneIndex is null) || (externalRef is null && email is null && phone is null))
        {
            return Cursor.ToPage(new List<ConsumerDto>(), limit, c => new CursorKey(null, c.Id));
        }

        var sql = new StringBuilder($"{ConsumerRow.SelectFrom} WHERE c.tenant_id = @TenantId");
        if (externalRefIndex is not null)
        {
            sql.Append(" AND c.external_ref_bidx = @ExternalRefIndex");
        }

        if (emailIndex is not null)
        {
            sql.Append(" AND c.email_bidx = @EmailIndex");
        }

        if (phoneIndex is not null)
        {
            sql.Append(" AND c.phone_bidx = @PhoneIndex");
        }

        if (after is not null)
        {
            sql.Append(" AND c.id > @AfterId");
        }

        sql.Append(" ORDER BY c.id LIMIT @Take");
        var rows = await db.QueryAsync<ConsumerRow>(sql.ToString(), new
        {
            TenantId = scope.Required,
            ExternalRefIndex = externalRefIndex ?? "",
            EmailIndex = emailIndex ?? "",
            PhoneIndex = phoneIndex ?? "",
            AfterId = after?.Id ?? Guid.Empty,
            Take = limit + 1,
        }, cancellationToken);
        var plain = await sealing.OpenAllAsync(rows, cancellationToken);
        return Cursor.ToPage([.. plain.Select(r => r.ToDto())], limit, c => new CursorKey(null, c.Id));
    }
}

internal sealed class ComplaintQueries(QuerySession db, TenantScope scope, ConsumerTextKeys texts, ComplaintKeywords keywordIndex)
    : IComplaintQueries
{
    /// <summary>The ids of a complaint (@Id) and of the duplicates merged into it: merging keeps both histories.</summary>
    public const string MergedFamily = "SELECT id FROM complaints WHERE tenant_id = @TenantId AND (id = @Id OR merged_into_id = @Id)";

    public async Task<ComplaintDto?> GetAsync(Guid id, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var key = new { TenantId = scope.Required, Id = id };
        var row = await db.QuerySingleOrDefaultAsync<ComplaintRow>(
            $"SELECT {ComplaintRow.Columns}, legal_entity_id FROM complaints WHERE tenant_id = @TenantId AND id = @Id", key, cancellationToken);
        if (row is null)
        {
            return null;
        }

        var deadlines = await db.QueryAsync<DeadlineRow>(
            $"SELECT {DeadlineRow.Columns} FROM complaint_deadlines WHERE tenant_id = @TenantId AND complaint_id = @Id AND withdrawn_at IS NULL",
            key, cancellationToken);
        var responses = await db.QueryAsync<ResponseRow>(
            $"""
            SELECT {ResponseRow.Columns} FROM complaint_responses
            WHERE tenant_id = @TenantId AND complaint_id IN ({MergedFamily})
            ORDER BY sent_at, id
            """, key, cancellationToken);
        texts.Remember(row.Id, row.ConsumerId);
        return row.ToDto(deadlines, responses, now, ComplaintText.Open(row, await texts.ForConsumerAsync(row.ConsumerId, cancellationToken)));
    }

    public async Task<bool> ExistsAsync(Guid id, CancellationToken cancellationToken) =>
        await db.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM complaints WHERE tenant_id = @TenantId AND id = @Id",
            new { TenantId = scope.Required, Id = id }, cancellationToken) > 0;

    public async Task<Page<ComplaintSummaryDto>> ListAsync(ComplaintFilter filter, DateTimeOffset now, int limit, CursorKey? after,
        CancellationToken cancellationToken)
    {
        var sql = new StringBuilder($"SELECT {ComplaintSummaryRow.Columns} FROM complaints WHERE tenant_id = @TenantId");
        var p = new DynamicParameters();
        p.Add("TenantId", scope.Required);
        void Where(string condition, string name, object value)
        {
            sql.Append(" AND ").Append(condition);
            p.Add(name, value);
        }

        if (filter.Status is { } status)
        {
            Where("status = @Status", "Status", status.ToWire());
        }

        if (filter.AssigneeId is { } assignee)
        {
            Where("assignee_id = @AssigneeId", "AssigneeId", assignee);
        }

        if (filter.Category is { } category)
        {
            Where("category = @Category", "Category", category);
        }

        if (filter.QueueId is { } queue)
        {
            Where("queue_id = @QueueId", "QueueId", queue);
        }

        if (filter.Unassigned is { } unassigned)
        {
            sql.Append(unassigned ? " AND assignee_id IS NULL" : " AND assignee_id IS NOT NULL");
        }

        if (filter.ConsumerId is { } consumer)
        {
            Where("consumer_id = @ConsumerId", "ConsumerId", consumer);
        }

        if (filter.DueBefore is { } dueBefore)
        {
            Where("next_due_at < @DueBefore", "DueBefore", dueBefore);
        }

        if (filter.Overdue is { } overdue)
        {
            Where(overdue ? "next_due_at < @Now" : "(next_due_at IS NULL OR next_due_at >= @Now)", "Now", now);
        }

        if (filter.ReceivedFrom is { } from)
        {
            Where("received_at >= @ReceivedFrom", "ReceivedFrom", from);
        }

        if (filter.ReceivedTo is { } to)
        {
            Where("received_at < @ReceivedTo", "ReceivedTo", to);
        }

        if (filter.Reference is { } reference)
        {
            Where("reference = @Reference", "Reference", reference);
        }

        if (filter.Product is { } product)
        {
            Where("product = @Product", "Product", product);
        }

        if (filter.Channel is { } channel)
        {
            Where("channel = @Channel", "Channel", channel.ToWire());
        }

        if (filter.Vulnerable is { } vulnerable)
        {
            Where("vulnerability_involved = @Vulnerable", "Vulnerable", vulnerable);
        }

        if (filter.Keywords is { } keywords)
        {
            // One probe of the blind keyword index per word (all must match); a tenant without a key has no complaint.
            if (await keywordIndex.QueryHashesAsync(keywords, cancellationToken) is not { Count: > 0 } hashes)
            {
                return Cursor.ToPage(new List<ComplaintSummaryDto>(), limit, c => new CursorKey(c.ReceivedAt, c.Id));
            }

            for (var i = 0; i < hashes.Count; i++)
            {
                var name = $"Word{i.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
                Where($"EXISTS (SELECT 1 FROM complaint_keywords k WHERE k.tenant_id = @TenantId AND k.word_hash = @{name} AND k.complaint_id = complaints.id)",
                    name, hashes[i]);
            }
        }

        if (after is { At: { } afterAt })
        {
            sql.Append(" AND (received_at, id) > (@AfterAt, @AfterId)");
            p.Add("AfterAt", afterAt);
            p.Add("AfterId", after.Id);
        }

        sql.Append(" ORDER BY received_at, id LIMIT @Take");
        p.Add("Take", limit + 1);
        var rows = await db.QueryAsync<ComplaintSummaryRow>(sql.ToString(), p, cancellationToken);
        return Cursor.ToPage([.. rows.Select(r => Mapping.ToSummary(r, now))], limit, c => new CursorKey(c.ReceivedAt, c.Id));
    }

    public async Task<Page<DueComplaintDto>> ListDueAsync(DueFilter filter, DateTimeOffset now, int limit, CursorKey? after,
        CancellationToken cancellationToken)
    {
        var p = new DynamicParameters();
        p.Add("TenantId", scope.Required);
        void AddIf(string name, object? value)
        {
            if (value is not null)
            {
                p.Add(name, value);
            }
        }

        // Exactly the parameters the fragments of DueListSql.Build name.
        AddIf("Kind", filter.Kind?.ToWire());
        AddIf("DueFrom", filter.DueFrom);
        AddIf("DueBefore", filter.DueBefore);
        AddIf("AssigneeId", filter.AssigneeId);
        AddIf("Status", filter.Status?.ToWire());
        AddIf("QueueId", filter.QueueId);
        if (after is { At: { } afterAt })
        {
            p.Add("AfterAt", afterAt);
            p.Add("AfterId", after.Id);
        }

        p.Add("Take", limit + 1);
        var rows = await db.QueryAsync<DueRow>(DueListSql.Build(filter, after is { At: not null }), p, cancellationToken);
        return Cursor.ToPage([.. rows.Select(r => r.ToDto(now))], limit, r => new CursorKey(r.DueAt, r.ComplaintId));
    }

    public async Task<Page<NoteDto>> ListNotesAsync(Guid complaintId, int limit, CursorKey? after, CancellationToken cancellationToken)
    {
        var sql = new StringBuilder(
            $"SELECT {NoteRow.Columns} FROM complaint_notes WHERE tenant_id = @TenantId AND complaint_id IN ({MergedFamily})");
        if (after is not null)
        {
            sql.Append(" AND id > @AfterId");
        }

        sql.Append(" ORDER BY id LIMIT @Take");
        var rows = await db.QueryAsync<NoteRow>(sql.ToString(),
            new { TenantId = scope.Required, Id = complaintId, AfterId = after?.Id ?? Guid.Empty, Take = limit + 1 },
            cancellationToken);
        // The family shares one consumer (only a consumer's own complaints merge): one key opens every note.
        var cipher = await texts.ForComplaintAsync(complaintId, cancellationToken);
        return Cursor.ToPage([.. rows.Select(r => r.ToDto(cipher))], limit, n => new CursorKey(null, n.Id));
    }
}

internal sealed class AuditQueries(QuerySession db, TenantScope scope) : IAuditQueries
{
    public async Task<Page<AuditEntryDto>> ListAsync(string? entityType, Guid? entityId, int limit, CursorKey? after,
        CancellationToken cancellationToken)
    {
        var sql = new StringBuilder($"SELECT {AuditRow.Columns} FROM audit_entries WHERE tenant_id = @TenantId");
        if (entityType == AuditTrail.Complaint && entityId is not null)
        {
            sql.Append($" AND entity_type = @EntityType AND entity_id IN ({ComplaintQueries.MergedFamily.Replace("@Id", "@EntityId", StringComparison.Ordinal)})");
        }
        else if (entityType is not null && entityId is not null)
        {
            sql.Append(" AND entity_type = @EntityType AND entity_id = @EntityId");
        }

        if (after is { At: not null })
        {
            sql.Append(" AND (occurred_at, id) > (@AfterAt, @AfterId)");
        }

        sql.Append(" ORDER BY occurred_at, id LIMIT @Take");
        var rows = await db.QueryAsync<AuditRow>(sql.ToString(), new
        {
            TenantId = scope.Required,
            EntityType = entityType ?? "",
            EntityId = entityId ?? Guid.Empty,
            AfterAt = after?.At ?? DateTimeOffset.UnixEpoch,
            AfterId = after?.Id ?? Guid.Empty,
            Take = limit + 1,
        }, cancellationToken);
        return Cursor.ToPage([.. rows.Select(Mapping.To<AuditEntryDto>)], limit, a => new CursorKey(a.OccurredAt, a.Id));
    }
}

internal sealed class AuditChainReader(QuerySession db, TenantScope scope) : IAuditChainReader
{
    public async Task<IReadOnlyList<ChainedAuditEntry>> ReadAsync(long afterSequence, int limit, CancellationToken cancellationToken)
    {
        var tenantId = scope.Required;
        var rows = await db.QueryAsync<AuditRow>(
            $"""
            SELECT {AuditRow.Columns}, seq, prev_hash, hash, entry_hmac FROM audit_entries
            WHERE tenant_id = @TenantId AND seq > @After ORDER BY seq, id LIMIT @Take
            """,
            new { TenantId = tenantId, After = afterSequence, Take = limit }, cancellationToken);
        return [.. rows.Select(r => r.ToChained(tenantId))];
    }

    public async Task<IReadOnlyList<UnlinkedAuditEntry>> ReadUnlinkedAsync(long afterWrite, int limit, CancellationToken cancellationToken)
    {
        var tenantId = scope.Required;
        var rows = await db.QueryAsync<AuditRow>(
            $"""
            SELECT {AuditRow.Columns}, entry_hmac, write_id FROM audit_entries
            WHERE tenant_id = @TenantId AND seq = 0 AND entry_hmac <> '' AND write_id > @After ORDER BY write_id LIMIT @Take
            """,
            new { TenantId = tenantId, After = afterWrite, Take = limit }, cancellationToken);
        return [.. rows.Select(r => new UnlinkedAuditEntry(r.ToEntry(tenantId), r.EntryHmac, r.WriteId))];
    }

    public async Task<AuditChainHead?> GetHeadAsync(CancellationToken cancellationToken) =>
        await db.QuerySingleOrDefaultAsync<AuditChainHead>(
            "SELECT last_seq AS LastSequence, last_hash AS LastHash FROM audit_chain_heads WHERE tenant_id = @TenantId",
            new { TenantId = scope.Required }, cancellationToken);
}

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

internal sealed class QueueQueries(QuerySession db, TenantScope scope) : IQueueQueries
{
    public async Task<Page<QueueDto>> ListAsync(int limit, CursorKey? after, CancellationToken cancellationToken)
    {
        var sql = new StringBuilder($"SELECT {QueueRow.Columns} FROM queues WHERE tenant_id = @TenantId");
        if (after is { At: not null })
        {
            sql.Append(" AND (created_at, id) > (@AfterAt, @AfterId)");
        }

        sql.Append(" ORDER BY created_at, id LIMIT @Take");
        var rows = await db.QueryAsync<QueueRow>(sql.ToString(), new
        {
            TenantId = scope.Required,
            AfterAt = after?.At ?? DateTimeOffset.UnixEpoch,
            AfterId = after?.Id ?? Guid.Empty,
            Take = limit + 1,
        }, cancellationToken);
        return Cursor.ToPage([.. rows.Select(r => QueueDto.From(r.ToDomain()))], limit, q => new CursorKey(q.CreatedAt, q.Id));
    }

    public async Task<Guid?> FindIdByCodeAsync(string code, CancellationToken cancellationToken) =>
        (await db.QueryAsync<Guid>("SELECT id FROM queues WHERE tenant_id = @TenantId AND code = @Code",
            new { TenantId = scope.Required, Code = code }, cancellationToken)).Select(id => (Guid?)id).FirstOrDefault();
}
