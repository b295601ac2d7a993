using Cms.Application.Abstractions;
using Cms.Domain.Complaints;

namespace Cms.Tests.Application.Fakes;

// The complaint aggregate's write-side fake (the other aggregates' are in Repositories.cs), with the same rules:
// the tenant in scope only, the version guard of updates, DuplicateKeyException where a unique key would raise one.

public sealed class FakeComplaintRepository(InMemoryDatabase db, TenantScope scope) : IComplaintRepository
{
    /// <summary>Runs just before an update is checked: lets a test play the concurrent writer that wins the race.</summary>
    public Action? BeforeUpdate { get; set; }

    public Task<long> NextSequenceAsync(int year, CancellationToken cancellationToken) =>
        Task.FromResult(db.NextSequence(scope.Required, year));

    public Task AddAsync(Complaint complaint, CancellationToken cancellationToken)
    {
        var tenantId = Guard.SameTenant(scope, complaint.TenantId);
        if (db.Complaints.Values.Any(c => c.TenantId == tenantId && c.Reference == complaint.Reference) || db.Complaints.ContainsKey(complaint.Id))
        {
            throw Guard.Duplicate("complaints (tenant_id, reference)");
        }

        db.Complaints[complaint.Id] = Stored.Of(complaint);
        db.Writes.Add($"complaint.insert {complaint.Id}");
        complaint.ClearPendingChanges();
        return Task.CompletedTask;
    }

    public Task<Complaint?> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        var tenantId = scope.Required;
        return Task.FromResult(db.Complaints.TryGetValue(id, out var s) && s.TenantId == tenantId ? Complaint.Restore(s) : null);
    }

    public Task<Complaint?> GetForUpdateAsync(Guid id, CancellationToken cancellationToken) => GetAsync(id, cancellationToken);

    public async Task<IReadOnlyDictionary<Guid, Complaint>> GetForUpdateAsync(IReadOnlyCollection<Guid> ids, CancellationToken cancellationToken)
    {
        var found = new Dictionary<Guid, Complaint>();
        foreach (var id in ids.Distinct())
        {
            if (await GetAsync(id, cancellationToken) is { } complaint)
            {
                found[id] = complaint;
            }
        }

        return found;
    }

    public Task<bool> UpdateAsync(Complaint complaint, long expectedVersion, CancellationToken cancellationToken)
    {
        var tenantId = Guard.SameTenant(scope, complaint.TenantId);
        BeforeUpdate?.Invoke();
        if (!db.Complaints.TryGetValue(complaint.Id, out var stored) || stored.TenantId != tenantId || stored.Version != expectedVersion)
        {
            return Task.FromResult(false);
        }

        db.Complaints[complaint.Id] = Stored.Of(complaint);
        db.Writes.Add($"complaint.update {complaint.Id}");
        return Task.FromResult(true);
    }

    public Task<IReadOnlyList<RepointedComplaint>> RepointMergedAsync(Complaint from, Guid toId, CancellationToken cancellationToken)
    {
        var fromId = from.Id;
        var tenantId = scope.Required;
        var repointed = new List<RepointedComplaint>();
        foreach (var (id, stored) in db.Complaints.Where(c => c.Value.TenantId == tenantId && c.Value.MergedIntoId == fromId).OrderBy(c => c.Key).ToList())
        {
            db.Complaints[id] = Stored.WithVersion(Stored.Of(Complaint.Restore(stored), mergedIntoId: toId), stored.Version + 1);
            db.Writes.Add($"complaint.repoint {id}");
            repointed.Add(new RepointedComplaint(id, stored.Version + 1));
        }

        return Task.FromResult<IReadOnlyList<RepointedComplaint>>(repointed);
    }

    public Task AddNoteAsync(ComplaintNote note, CancellationToken cancellationToken)
    {
        Guard.SameTenant(scope, note.TenantId);
        db.Notes.Add(note);
        db.Writes.Add($"note.insert {note.Id}");
        return Task.CompletedTask;
    }
}
