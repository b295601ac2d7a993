using System.Text;
using Cms.Application.Abstractions;
using Cms.Application.Common;
using Cms.Application.Complaints;
using Cms.Domain.Common;
using Cms.Domain.Complaints;
using Cms.Infrastructure.Crypto;
using Cms.Infrastructure.Persistence;
using Cms.Infrastructure.Privacy;
using Dapper;

namespace Cms.Infrastructure.Complaints;

internal sealed class ComplaintQueries(QuerySession db, TenantScope scope, ConsumerTextKeys texts, ComplaintKeywords keywordIndex)
    : IComplaintQueries
{
    public async Task<ComplaintDto?> GetAsync(Guid id, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // The row, its deadlines and responses and the consumer's wrapped key in one round trip (PostgreSQL pipelines them),
        // the last read of a GET: its transaction ends in the same round trip.
        if (await StoredComplaint.LoadForReadAsync(db.Current, scope.Required, id, cancellationToken)
            is not ({ Row: var row } stored, var wrappedKey))
        {
            return null;
        }

        if (db.OnReplica)
        {
            // The key as the primary holds it (read there by ForConsumerAsync): an erasure the replica has not replayed
            // yet already leaves the text unreadable.
            texts.Remember(row.Id, row.ConsumerId);
        }
        else
        {
            texts.Remember(row.Id, row.ConsumerId, wrappedKey);
        }

        var text = ComplaintText.Open(row, await texts.ForConsumerAsync(row.ConsumerId, cancellationToken));
        return row.ToDto(stored.Deadlines, stored.Responses, now, text);
    }

    public async Task<ComplaintDto> AsWrittenAsync(Complaint complaint, Guid legalEntityId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // The key was read for the write (the same request's keys): no round trip.
        var erased = (await texts.ForConsumerAsync(complaint.ConsumerId, cancellationToken)).KeyDestroyed;
        if (erased || complaint.MergedIntoId is not null)
        {
            return (await GetAsync(complaint.Id, now, cancellationToken))!;
        }

        return WrittenComplaint.ToDto(complaint, legalEntityId, now, StoredInstants.Of(db.Current));
    }

    public async Task<ComplaintDto> AsWrittenAsync(Complaint complaint, DateTimeOffset now, CancellationToken cancellationToken) =>
        ComplaintRepository.LegalEntityOf(complaint) is { } legalEntityId
            ? await AsWrittenAsync(complaint, legalEntityId, now, cancellationToken)
            : (await GetAsync(complaint.Id, now, cancellationToken))!;

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
        var rows = await db.ReadLastAsync(sql.ToString(), p, r => ComplaintSummaryRow.Read(r).ToDto(now), cancellationToken);
        return Cursor.ToPage(rows, limit, c => new CursorKey(c.ReceivedAt, c.Id));
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
            $"SELECT {NoteRow.Map.Columns} FROM complaint_notes WHERE tenant_id = @TenantId AND complaint_id IN ({StoredComplaint.MergedFamily})");
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

    public async Task<NoteDto?> GetNoteAsync(Guid complaintId, Guid noteId, CancellationToken cancellationToken)
    {
        var row = await db.QuerySingleOrDefaultAsync<NoteRow>(
            $"SELECT {NoteRow.Map.Columns} FROM complaint_notes WHERE tenant_id = @TenantId AND id = @NoteId AND complaint_id IN ({StoredComplaint.MergedFamily})",
            new { TenantId = scope.Required, Id = complaintId, NoteId = noteId }, cancellationToken);
        return row is null ? null : row.ToDto(await texts.ForComplaintAsync(complaintId, cancellationToken));
    }
}
