using Cms.Application.Abstractions;
using Cms.Application.Audit;
using Cms.Application.Common;
using Cms.Application.Complaints;
using Cms.Application.Consumers;
using Cms.Application.Queues;
using Cms.Application.Staff;
using Cms.Application.Tenants;
using Cms.Domain.Common;
using Cms.Domain.Complaints;

namespace Cms.Tests.Application.Fakes;

// Read-side fakes: the same filters, order and keyset conditions as the SQL of Cms.Infrastructure's query services,
// limit + 1 rows handed to Cursor.ToPage, and only rows of the tenant in scope.

internal static class Keyset
{
    /// <summary>(at, id) &gt; (afterAt, afterId), as a row-value comparison in SQL.</summary>
    public static bool After(DateTimeOffset at, Guid id, DateTimeOffset afterAt, Guid afterId) =>
        at > afterAt || (at == afterAt && id.CompareTo(afterId) > 0);
}

public sealed class FakeTenantQueries(InMemoryDatabase db) : ITenantQueries
{
    public Task<TenantDto?> GetAsync(Guid id, CancellationToken cancellationToken) =>
        Task.FromResult(db.Tenants.TryGetValue(id, out var t) ? TenantDto.From(t) : null);

    public Task<Page<TenantDto>> ListAsync(string? name, int limit, CursorKey? after, CancellationToken cancellationToken)
    {
        var rows = db.Tenants.Values
            .Where(t => (name is null || t.Name == name) && (after is null || t.Id.CompareTo(after.Id) > 0))
            .OrderBy(t => t.Id).Take(limit + 1).Select(TenantDto.From).ToList();
        return Task.FromResult(Cursor.ToPage(rows, limit, t => new CursorKey(null, t.Id)));
    }
}

public sealed class FakeStaffQueries(InMemoryDatabase db, TenantScope scope) : IStaffQueries
{
    public Task<StaffDto?> GetAsync(Guid id, CancellationToken cancellationToken) =>
        Task.FromResult(db.Staff.TryGetValue(id, out var s) && s.TenantId == scope.Required ? StaffDto.From(s) : null);

    public Task<Page<StaffDto>> ListAsync(int limit, CursorKey? after, CancellationToken cancellationToken)
    {
        var tenantId = scope.Required;
        var rows = db.Staff.Values
            .Where(s => s.TenantId == tenantId && (after is null || s.Id.CompareTo(after.Id) > 0))
            .OrderBy(s => s.Id)
            .Take(limit + 1)
            .Select(StaffDto.From)
            .ToList();
        return Task.FromResult(Cursor.ToPage(rows, limit, s => new CursorKey(null, s.Id)));
    }
}

public sealed class FakeConsumerQueries(InMemoryDatabase db, TenantScope scope) : IConsumerQueries
{
    public Task<ConsumerDto?> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        var tenantId = scope.Required;
        return Task.FromResult(db.Consumers.TryGetValue(id, out var c) && c.TenantId == tenantId ? Dtos.Consumer(c) : null);
    }

    public ConsumerDto AsWritten(Cms.Domain.Consumers.Consumer consumer) => Dtos.Consumer(consumer);

    public Task<Page<ConsumerDto>> FindAsync(string? externalRef, string? email, string? phone, int limit, CursorKey? after,
        CancellationToken cancellationToken)
    {
        var tenantId = scope.Required;
        var rows = db.Consumers.Values
            .Where(c => c.TenantId == tenantId)
            .Where(c => externalRef is null || c.ExternalRef == externalRef)
            .Where(c => email is null || c.Contact.Email == Text.NormaliseEmail(email))
            .Where(c => phone is null || (c.Contact.Phone is { } p && Text.NormalisePhone(p) == Text.NormalisePhone(phone)))
            .Where(c => after is null || c.Id.CompareTo(after.Id) > 0)
            .OrderBy(c => c.Id)
            .Take(limit + 1)
            .Select(Dtos.Consumer)
            .ToList();
        return Task.FromResult(Cursor.ToPage(rows, limit, c => new CursorKey(null, c.Id)));
    }
}

public sealed class FakeComplaintQueries(InMemoryDatabase db, TenantScope scope) : IComplaintQueries
{
    public async Task<ComplaintDto> AsWrittenAsync(Cms.Domain.Complaints.Complaint complaint, Guid legalEntityId, DateTimeOffset now,
        CancellationToken cancellationToken) =>
        (await GetAsync(complaint.Id, now, cancellationToken))!;

    public async Task<ComplaintDto> AsWrittenAsync(Cms.Domain.Complaints.Complaint complaint, DateTimeOffset now,
        CancellationToken cancellationToken) =>
        (await GetAsync(complaint.Id, now, cancellationToken))!;

    public Task<ComplaintDto?> GetAsync(Guid id, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var tenantId = scope.Required;
        return Task.FromResult(db.Complaints.TryGetValue(id, out var s) && s.TenantId == tenantId ? Dtos.Complaint(s, now) : null);
    }

    public Task<bool> ExistsAsync(Guid id, CancellationToken cancellationToken)
    {
        var tenantId = scope.Required;
        return Task.FromResult(db.Complaints.TryGetValue(id, out var s) && s.TenantId == tenantId);
    }

    public Task<Page<ComplaintSummaryDto>> ListAsync(ComplaintFilter filter, DateTimeOffset now, int limit, CursorKey? after,
        CancellationToken cancellationToken)
    {
        var tenantId = scope.Required;
        var rows = db.Complaints.Values
            .Where(c => c.TenantId == tenantId)
            .Where(c => filter.Status is not { } status || c.Status == status)
            .Where(c => filter.AssigneeId is not { } assignee || c.AssigneeId == assignee)
            .Where(c => filter.Category is not { } category || c.Category == category)
            .Where(c => filter.ConsumerId is not { } consumer || c.ConsumerId == consumer)
            .Where(c => filter.DueBefore is not { } dueBefore || Dtos.NextDue(c) < dueBefore)
            .Where(c => filter.Overdue is not { } overdue
                        || (overdue ? Dtos.NextDue(c) < now : Dtos.NextDue(c) is null || Dtos.NextDue(c) >= now))
            .Where(c => filter.ReceivedFrom is not { } from || c.ReceivedAt >= from)
            .Where(c => filter.ReceivedTo is not { } to || c.ReceivedAt < to)
            .Where(c => filter.QueueId is not { } queue || c.QueueId == queue)
            .Where(c => filter.Unassigned is not { } unassigned || (c.AssigneeId is null) == unassigned)
            .Where(c => after is not { At: { } afterAt } || Keyset.After(c.ReceivedAt, c.Id, afterAt, after.Id))
            .OrderBy(c => c.ReceivedAt).ThenBy(c => c.Id)
            .Take(limit + 1)
            .Select(c => Dtos.Summary(c, now))
            .ToList();
        return Task.FromResult(Cursor.ToPage(rows, limit, c => new CursorKey(c.ReceivedAt, c.Id)));
    }

    public Task<Page<DueComplaintDto>> ListDueAsync(DueFilter filter, DateTimeOffset now, int limit, CursorKey? after,
        CancellationToken cancellationToken)
    {
        var tenantId = scope.Required;
        var rows = db.Complaints.Values
            .Where(c => c.TenantId == tenantId)
            .Select(c => (Complaint: c, Due: filter.Kind is { } kind
                ? c.Deadlines.FirstOrDefault(d => d.Kind == kind && d.MetAt is null && d.PausedAt is null
                                                  && Complaint.Restore(c).IsOpen)
                : Complaint.Restore(c) is var restored && restored.NextDueAt is { } at
                    ? restored.Deadlines.First(d => d.Kind == restored.NextDueKind && d.DueAt == at)
                    : null))
            .Where(x => x.Due is not null)
            .Where(x => filter.DueFrom is not { } from || x.Due!.DueAt >= from)
            .Where(x => filter.DueBefore is not { } before || x.Due!.DueAt < before)
            .Where(x => filter.AssigneeId is not { } assignee || x.Complaint.AssigneeId == assignee)
            .Where(x => filter.Status is not { } status || x.Complaint.Status == status)
            .Where(x => filter.QueueId is not { } queue || x.Complaint.QueueId == queue)
            .Where(x => !filter.Unassigned || x.Complaint.AssigneeId is null)
            .Where(x => after is not { At: { } afterAt } || Keyset.After(x.Due!.DueAt, x.Complaint.Id, afterAt, after.Id))
            .OrderBy(x => x.Due!.DueAt).ThenBy(x => x.Complaint.Id)
            .Take(limit + 1)
            .Select(x => new DueComplaintDto(x.Complaint.Id, x.Complaint.Reference, x.Complaint.Status, x.Complaint.AssigneeId,
                x.Complaint.Priority, x.Complaint.ReceivedAt, x.Due!.Kind, x.Due.DueAt, x.Due.DueAt < now, x.Complaint.Version)
            {
                QueueId = x.Complaint.QueueId,
            })
            .ToList();
        return Task.FromResult(Cursor.ToPage(rows, limit, r => new CursorKey(r.DueAt, r.ComplaintId)));
    }

    public Task<Page<NoteDto>> ListNotesAsync(Guid complaintId, int limit, CursorKey? after, CancellationToken cancellationToken)
    {
        var tenantId = scope.Required;
        var rows = db.Notes
            .Where(n => n.TenantId == tenantId && n.ComplaintId == complaintId && (after is null || n.Id.CompareTo(after.Id) > 0))
            .OrderBy(n => n.Id)
            .Take(limit + 1)
            .Select(Dtos.Note)
            .ToList();
        return Task.FromResult(Cursor.ToPage(rows, limit, n => new CursorKey(null, n.Id)));
    }

    public Task<NoteDto?> GetNoteAsync(Guid complaintId, Guid noteId, CancellationToken cancellationToken)
    {
        var tenantId = scope.Required;
        return Task.FromResult(db.Notes.Where(n => n.TenantId == tenantId && n.ComplaintId == complaintId && n.Id == noteId)
            .Select(Dtos.Note).FirstOrDefault());
    }
}

public sealed class FakeAuditQueries(InMemoryDatabase db, TenantScope scope) : IAuditQueries
{
    public Task<Page<AuditEntryDto>> ListAsync(string? entityType, Guid? entityId, int limit, CursorKey? after,
        CancellationToken cancellationToken)
    {
        var tenantId = scope.Required;
        var rows = db.Audit
            .Where(a => a.TenantId == tenantId)
            .Where(a => entityType is null || entityId is null || (a.EntityType == entityType && a.EntityId == entityId))
            .Where(a => after is not { At: { } afterAt } || Keyset.After(a.OccurredAt, a.Id, afterAt, after.Id))
            .OrderBy(a => a.OccurredAt).ThenBy(a => a.Id)
            .Take(limit + 1)
            .Select(Dtos.Audit)
            .ToList();
        return Task.FromResult(Cursor.ToPage(rows, limit, a => new CursorKey(a.OccurredAt, a.Id)));
    }
}

public sealed class FakeQueueQueries(InMemoryDatabase db, TenantScope scope) : IQueueQueries
{
    public Task<Cms.Application.Queues.QueueDto?> GetAsync(Guid id, CancellationToken cancellationToken) =>
        Task.FromResult(db.Queues.TryGetValue(id, out var q) && q.TenantId == scope.Required ? Cms.Application.Queues.QueueDto.From(q) : null);

    public Task<Page<Cms.Application.Queues.QueueDto>> ListAsync(int limit, CursorKey? after, CancellationToken cancellationToken)
    {
        var tenantId = scope.Required;
        var rows = db.Queues.Values
            .Where(q => q.TenantId == tenantId)
            .Where(q => after is not { At: { } afterAt } || Keyset.After(q.CreatedAt, q.Id, afterAt, after.Id))
            .OrderBy(q => q.CreatedAt).ThenBy(q => q.Id)
            .Take(limit + 1)
            .Select(Cms.Application.Queues.QueueDto.From)
            .ToList();
        return Task.FromResult(Cursor.ToPage(rows, limit, q => new CursorKey(q.CreatedAt, q.Id)));
    }

    public Task<Guid?> FindIdByCodeAsync(string code, CancellationToken cancellationToken)
    {
        var tenantId = scope.Required;
        return Task.FromResult(db.Queues.Values.FirstOrDefault(q => q.TenantId == tenantId && q.Code == code)?.Id);
    }
}
