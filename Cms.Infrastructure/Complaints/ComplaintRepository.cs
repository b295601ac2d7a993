using System.Runtime.CompilerServices;
using Cms.Application.Abstractions;
using Cms.Domain.Common;
using Cms.Domain.Complaints;
using Cms.Infrastructure.Crypto;
using Cms.Infrastructure.Persistence;
using Cms.Infrastructure.Privacy;

namespace Cms.Infrastructure.Complaints;

internal sealed class ComplaintRepository(DbSession db, TenantScope scope, TimeProvider clock, ReferenceBlocks blocks, ConsumerTextKeys texts,
    ComplaintKeywords keywords)
    : IComplaintRepository
{
    // What each complaint object read holds sealed and counts for in the vulnerability tallies (null once its consumer is
    // erased: the tallies keep what it counted for), so that its write stores and counts only the difference. Attached to
    // the object itself (not to this request), so an aggregate read in one unit of work may be saved in another.
    private static readonly ConditionalWeakTable<Complaint, AsStored> Stored = [];

    // Also: the kinds of its deadlines that apply as stored (null: unknown, read them when a write needs them), its legal
    // entity (null: unknown), the transaction that holds its row locked since it was read (0: none; docs/adr/0011), and the
    // complaints merged into it when a merge read them with it.
    private sealed record AsStored(SealedComplaintText? Sealed, IReadOnlyList<(DateTimeOffset, string)>? Tallies)
    {
        public IReadOnlySet<string>? DeadlineKinds { get; init; }

        public Guid? LegalEntityId { get; init; }

        public long LockedIn { get; init; }

        /// <summary>The complaints merged into it, as read (and locked) with it (null: not read).</summary>
        public IReadOnlyList<StoredComplaint.MergedComplaint>? MergedIntoIt { get; init; }
    }

    private static AsStored Of(ComplaintRow row, ComplaintText text, ConsumerTextCipher cipher) => new(SealedComplaintText.Of(row),
        // A row not yet converted counts through its plain driver columns (which its write clears): nothing tallied yet.
        cipher.KeyDestroyed ? null
        : row.TextSealed ? VulnerabilityTallies.Of(WireNames.Parse<ComplaintStatus>(row.Status), row.ReceivedAt, text.Vulnerability)
        : []);

    /// <summary>The legal entity of a complaint this process read or filed (null when it does not know it).</summary>
    internal static Guid? LegalEntityOf(Complaint complaint) => Stored.TryGetValue(complaint, out var stored) ? stored.LegalEntityId : null;

    /// <summary>PostgreSQL: from the instance's block (<see cref="ReferenceBlocks"/>). SQLite, one writer at a time:
    /// the tenant's row in the writer's own transaction (gap-free there).</summary>
    public Task<long> NextSequenceAsync(int year, CancellationToken cancellationToken) => db is PostgresSession
        ? blocks.NextAsync(scope.Required, year, cancellationToken)
        : db.ExecuteScalarAsync<long>(
            """
            INSERT INTO complaint_sequences (tenant_id, year, last_value) VALUES (@TenantId, @Year, 1)
            ON CONFLICT (tenant_id, year) DO UPDATE SET last_value = complaint_sequences.last_value + 1
            RETURNING last_value
            """,
            new { TenantId = scope.Required, Year = year }, cancellationToken);

    public async Task AddAsync(Complaint complaint, CancellationToken cancellationToken)
    {
        TenantGuard.Check(scope, complaint.TenantId);
        var cipher = await texts.ForConsumerAsync(complaint.ConsumerId, cancellationToken);
        var text = SealedComplaintText.Seal(complaint, cipher, null);
        await db.DeferAsync(ComplaintRow.Map.Insert, ComplaintRow.Parameters(complaint, text), cancellationToken);
        await CountAsync(complaint, [], cancellationToken);
        if (!cipher.KeyDestroyed)
        {
            await keywords.IndexFiledAsync(complaint.Id, complaint.ConsumerId, complaint.Description, cancellationToken);
        }

        Stored.AddOrUpdate(complaint, new AsStored(text, VulnerabilityTallies.Of(complaint)));
        await UpsertDeadlinesAsync(complaint, cancellationToken);
        await AddResponsesAsync(complaint, cancellationToken);
        complaint.ClearPendingChanges();
    }

    private async Task UpsertDeadlinesAsync(Complaint complaint, CancellationToken cancellationToken)
    {
        if (complaint.Deadlines.Count > 0)
        {
            var (sql, parameters) = DeadlineRow.UpsertAll(complaint);
            await db.DeferAsync(sql, parameters, cancellationToken);
        }
    }

    private async Task AddResponsesAsync(Complaint complaint, CancellationToken cancellationToken)
    {
        if (complaint.AddedResponses.Count > 0)
        {
            await db.DeferAsync(
                ResponseRow.Map.Insert,
                complaint.AddedResponses.Select(r => ResponseRow.Parameters(complaint.TenantId, r)).ToList(), cancellationToken);
        }
    }

    public async Task<Complaint?> GetAsync(Guid id, CancellationToken cancellationToken) =>
        (await LoadAsync([id], lockRow: false, cancellationToken)).SingleOrDefault();

    public async Task<Complaint?> GetForUpdateAsync(Guid id, CancellationToken cancellationToken) =>
        (await LoadAsync([id], lockRow: true, cancellationToken)).SingleOrDefault();

    public async Task<IReadOnlyDictionary<Guid, Complaint>> GetForUpdateAsync(IReadOnlyCollection<Guid> ids, CancellationToken cancellationToken) =>
        (await LoadAsync(ids, lockRow: true, cancellationToken)).ToDictionary(c => c.Id);

    private async Task<IReadOnlyList<Complaint>> LoadAsync(IReadOnlyCollection<Guid> ids, bool lockRow, CancellationToken cancellationToken)
    {
        var loaded = new List<Complaint>();
        foreach (var ((row, deadlines, responses), wrappedKey, merged) in
                 await StoredComplaint.LoadForCommandAsync(db, scope.Required, ids, lockRow, cancellationToken))
        {
            texts.Remember(row.Id, row.ConsumerId, wrappedKey);
            var cipher = await texts.ForConsumerAsync(row.ConsumerId, cancellationToken);
            var text = ComplaintText.Open(row, cipher);
            var complaint = Complaint.Restore(row.ToState(deadlines, responses, text));
            Stored.AddOrUpdate(complaint, Of(row, text, cipher) with
            {
                DeadlineKinds = deadlines.Select(d => d.Kind).ToHashSet(StringComparer.Ordinal),
                LegalEntityId = row.LegalEntityId ?? row.TenantId,
                LockedIn = lockRow && db is PostgresSession ? db.TransactionNumber : 0,
                MergedIntoIt = merged,
            });
            loaded.Add(complaint);
        }

        return loaded;
    }

    /// <summary>Adds to the vulnerability tallies what the complaint counts for now beyond <paramref name="before"/>.</summary>
    private async Task CountAsync(Complaint complaint, IReadOnlyList<(DateTimeOffset, string)> before, CancellationToken cancellationToken)
    {
        var changes = VulnerabilityTallies.Changes(complaint.TenantId, before, VulnerabilityTallies.Of(complaint));
        if (changes.Count > 0)
        {
            await db.DeferAsync(VulnerabilityTallies.Upsert, changes, cancellationToken);
        }
    }

    public async Task<bool> UpdateAsync(Complaint complaint, long expectedVersion, CancellationToken cancellationToken)
    {
        TenantGuard.Check(scope, complaint.TenantId);
        var cipher = await texts.ForConsumerAsync(complaint.ConsumerId, cancellationToken);
        if (!Stored.TryGetValue(complaint, out var loaded))
        {
            // Not read through this repository (restored elsewhere): what the row holds now.
            var row = await StoredComplaint.RowAsync(db, scope.Required, complaint.Id, cancellationToken);
            loaded = row is null ? new AsStored(null, null) : Of(row, ComplaintText.Open(row, cipher), cipher);
        }

        var text = SealedComplaintText.Seal(complaint, cipher, loaded.Sealed);
        var update = (Sql: $"UPDATE complaints SET {ComplaintRow.Map.UpdateSet} WHERE {ComplaintRow.Map.KeyEquals} AND version = @ExpectedVersion AND text_sealed = @WasSealed",
            Parameters: new DynamicParametersBuilder(ComplaintRow.Parameters(complaint, text)).With("ExpectedVersion", expectedVersion)
                .With("WasSealed", loaded.Sealed is not null).Build());
        if (loaded.LockedIn != 0 && loaded.LockedIn == db.TransactionNumber)
        {
            // The row has been locked by this transaction since it was read with this version, and nothing else in the
            // transaction writes its version or text_sealed: the guard holds, so the update travels with the next round
            // trip (docs/adr/0011) instead of reading its count back in one of its own.
            await db.DeferAsync(update.Sql, update.Parameters, cancellationToken);
        }
        else if (await db.ExecuteAsync(update.Sql, update.Parameters, cancellationToken) != 1)
        {
            return false;
        }

        if (loaded.Tallies is { } before)
        {
            await CountAsync(complaint, before, cancellationToken);
        }

        // The deadlines as the aggregate holds them now; a kind that no longer applies (a flag cleared) is withdrawn, not
        // deleted, so a later flag can bring it back and the history of what applied stays readable.
        await UpsertDeadlinesAsync(complaint, cancellationToken);
        var current = complaint.Deadlines.Select(d => d.Kind.ToWire()).ToHashSet(StringComparer.Ordinal);
        if (complaint.PendingChanges.Contains("deadlines"))
        {
            var stored = loaded.DeadlineKinds ?? (await db.QueryAsync<string>(
                "SELECT kind FROM complaint_deadlines WHERE tenant_id = @TenantId AND complaint_id = @ComplaintId AND withdrawn_at IS NULL",
                new { complaint.TenantId, ComplaintId = complaint.Id }, cancellationToken)).ToHashSet(StringComparer.Ordinal);
            var withdrawn = stored.Where(k => !current.Contains(k))
                .Select(k => new { complaint.TenantId, ComplaintId = complaint.Id, Kind = k, Now = complaint.UpdatedAt }).ToList();
            if (withdrawn.Count > 0)
            {
                await db.DeferAsync(
                    """
                    UPDATE complaint_deadlines SET withdrawn_at = @Now
                    WHERE tenant_id = @TenantId AND complaint_id = @ComplaintId AND kind = @Kind AND withdrawn_at IS NULL
                    """,
                    withdrawn, cancellationToken);
            }
        }

        Stored.AddOrUpdate(complaint, new AsStored(text, loaded.Tallies is null ? null : VulnerabilityTallies.Of(complaint))
        {
            DeadlineKinds = current,
            LegalEntityId = loaded.LegalEntityId,
            LockedIn = loaded.LockedIn,
            MergedIntoIt = loaded.MergedIntoIt,
        });
        await AddResponsesAsync(complaint, cancellationToken);
        return true;
    }

    public async Task<IReadOnlyList<RepointedComplaint>> RepointMergedAsync(Complaint from, Guid toId, CancellationToken cancellationToken)
    {
        const string Repoint = "UPDATE complaints SET merged_into_id = @ToId, version = version + 1, updated_at = @Now WHERE tenant_id = @TenantId AND merged_into_id = @FromId";
        var parameters = new { TenantId = scope.Required, FromId = from.Id, ToId = toId, Now = clock.GetUtcNow() };
        if (Stored.TryGetValue(from, out var loaded) && loaded.MergedIntoIt is { } merged && loaded.LockedIn != 0 && loaded.LockedIn == db.TransactionNumber)
        {
            // Read with it and locked in this transaction, as the complaint itself (no other merge can add to them while
            // it is locked): the versions read are the versions updated, so the update travels with the next round trip.
            await db.DeferAsync(Repoint, parameters, cancellationToken);
            Stored.AddOrUpdate(from, loaded with { MergedIntoIt = [] });
            return [.. merged.OrderBy(m => m.Id).Select(m => new RepointedComplaint(m.Id, m.Version + 1))];
        }

        var rows = await db.QueryAsync<RepointedRow>($"{Repoint} RETURNING id, version", parameters, cancellationToken);
        return [.. rows.OrderBy(r => r.Id).Select(r => new RepointedComplaint(r.Id, r.Version))];
    }

    private sealed class RepointedRow
    {
        public Guid Id { get; init; }
        public long Version { get; init; }
    }

    public async Task AddNoteAsync(ComplaintNote note, CancellationToken cancellationToken)
    {
        var tenantId = TenantGuard.Check(scope, note.TenantId);
        var cipher = await texts.ForComplaintAsync(note.ComplaintId, cancellationToken);
        await db.DeferAsync(
            NoteRow.Map.Insert,
            new
            {
                TenantId = tenantId,
                note.Id,
                note.ComplaintId,
                Kind = note.Kind.ToWire(),
                Body = cipher.Seal(FreeTextColumns.Notes, note.Id, FreeTextColumns.NoteBody, note.Body),
                note.AuthorId,
                note.CreatedAt,
                TextSealed = true,
            },
            cancellationToken);
        if (!cipher.KeyDestroyed)
        {
            await keywords.IndexAsync(note.ComplaintId, note.Body, cancellationToken);
        }
    }
}
