using Cms.Application.Abstractions;
using Cms.Domain.Common;
using Cms.Domain.Complaints;
using Cms.Infrastructure.Complaints;
using Cms.Infrastructure.Crypto;
using Cms.Infrastructure.Persistence;

namespace Cms.Infrastructure.Privacy;

/// <summary>What one batch of the conversion did: rows read (locked), rows sealed by it, the last id read (the cursor).</summary>
public sealed record FreeTextBatch(int Taken, int Sealed, Guid? Last);

/// <summary>
/// Seals the free text of rows written before it was sealed (text_sealed = false), in bounded batches of the tenant in
/// scope: the online conversion (<c>seal-free-text</c>) and the erasure of a consumer (whose unconverted rows become
/// tombstones, their plaintext gone). A batch is sealed in memory (the consumers' wrapped keys read in one statement and
/// unwrapped once each) and written in one statement on PostgreSQL (<c>UPDATE … FROM unnest(…)</c>), its keyword rows in
/// one more, its tallies with the COMMIT; SQLite, one writer at a time, updates row by row in the same transaction.
/// A row's vulnerability drivers move from the plain columns to the sealed details and the tallies in the same
/// transaction, so the return's figures never change. The version is not raised (no caller-visible change).
/// Concurrent writers: on PostgreSQL the batch's rows are locked as they are read (<c>FOR NO KEY UPDATE</c>; the conversion
/// skips rows another transaction holds, so several instances share the work and never wait on the service), so what is
/// written is computed from the row as it stands; every UPDATE is also guarded by <c>text_sealed = false</c>, and the
/// service's own write of an unconverted row the other way round. Only rows this batch sealed are indexed and tallied.
/// </summary>
internal sealed class FreeTextConverter(DbSession db, TenantScope scope, ConsumerTextKeys texts, ComplaintKeywords keywords)
{
    private const int ErasureBatch = 500;

    private bool Postgres => db is PostgresSession;

    /// <summary>Seals up to <paramref name="batch"/> complaints after <paramref name="after"/> (by id), skipping rows
    /// another transaction holds.</summary>
    public Task<FreeTextBatch> ConvertComplaintsAsync(Guid? after, int batch, CancellationToken cancellationToken) =>
        ComplaintsAsync(null, after, batch, cancellationToken);

    /// <summary>Seals up to <paramref name="batch"/> notes after <paramref name="after"/> (by id), skipping rows another
    /// transaction holds.</summary>
    public Task<FreeTextBatch> ConvertNotesAsync(Guid? after, int batch, CancellationToken cancellationToken) =>
        NotesAsync(null, after, batch, cancellationToken);

    /// <summary>Every unconverted row about one consumer (erasure: a consumer has few complaints). Waits for rows another
    /// transaction holds (none may stay plaintext) and reads again until none is left (a locked read with a LIMIT may
    /// answer fewer rows than there are, when some it waited for were sealed meanwhile). The first reads are the ones
    /// <see cref="ReadConsumerAlong"/> queued, if it did.</summary>
    public async Task ConvertConsumerAsync(Guid consumerId, CancellationToken cancellationToken)
    {
        var (complaints, notes) = _along is { } along && along.ConsumerId == consumerId ? (along.Complaints, along.Notes) : (null, null);
        _along = null;
        while ((await ComplaintsAsync(consumerId, null, ErasureBatch, cancellationToken, complaints)).Taken > 0)
        {
            complaints = null;
        }

        while ((await NotesAsync(consumerId, null, ErasureBatch, cancellationToken, notes)).Taken > 0)
        {
            notes = null;
        }
    }

    /// <summary>Queues <see cref="ConvertConsumerAsync"/>'s first reads (each locked) to travel with the transaction's next
    /// load (an erasure's: the consumer's, <see cref="DbSession.ReadRowsAlong{T}"/>), so an erasure with nothing left to
    /// convert reads nothing more, and one with some reads it in the same round trip as the consumer.</summary>
    public void ReadConsumerAlong(Guid consumerId)
    {
        var (complaintsSql, complaintsKey) = ComplaintsRead(consumerId, null, ErasureBatch);
        var (notesSql, notesKey) = NotesRead(consumerId, null, ErasureBatch);
        _along = (consumerId, db.ReadRowsAlong<ComplaintRow>(complaintsSql, complaintsKey), db.ReadRowsAlong<UnsealedNote>(notesSql, notesKey));
    }

    private (Guid ConsumerId, Func<CancellationToken, Task<IReadOnlyList<ComplaintRow>>> Complaints,
        Func<CancellationToken, Task<IReadOnlyList<UnsealedNote>>> Notes)? _along;

    /// <summary>The rows' lock: the conversion passes over what another transaction holds, an erasure waits for it. The
    /// lock an UPDATE of non-key columns takes (NO KEY), so the service's inserts that refer to a complaint in the batch
    /// (a note, its keyword rows) do not wait for it.</summary>
    private string Lock(Guid? consumerId, string? of = null) =>
        !Postgres ? "" : $"FOR NO KEY UPDATE{(of is null ? "" : " OF " + of)}{(consumerId is null ? " SKIP LOCKED" : "")}";

    /// <summary>A batch of unconverted complaints, locked (<see cref="Lock"/>): the statement and its parameters.</summary>
    private (string Sql, object Parameters) ComplaintsRead(Guid? consumerId, Guid? after, int batch) => (
        $"""
        SELECT tenant_id, id, consumer_id, status, received_at, description, redress_non_monetary, referral_body,
               referral_reference, vulnerability_involved, vulnerability_health, vulnerability_life_event,
               vulnerability_resilience, vulnerability_capability, vulnerability_consent_at
        FROM complaints
        WHERE tenant_id = @TenantId AND text_sealed = @Unsealed
          {(consumerId is null ? "" : "AND consumer_id = @ConsumerId")} {(after is null ? "" : "AND id > @After")}
        ORDER BY id LIMIT @Take {Lock(consumerId)}
        """,
        new { TenantId = scope.Required, Unsealed = false, ConsumerId = consumerId ?? Guid.Empty, After = after ?? Guid.Empty, Take = batch });

    /// <summary>Converts a batch read by <see cref="ComplaintsRead"/>, or by <paramref name="read"/> when a read of it was
    /// queued to travel along.</summary>
    private async Task<FreeTextBatch> ComplaintsAsync(Guid? consumerId, Guid? after, int batch, CancellationToken cancellationToken,
        Func<CancellationToken, Task<IReadOnlyList<ComplaintRow>>>? read = null)
    {
        var (sql, parameters) = ComplaintsRead(consumerId, after, batch);
        var rows = read is null ? await db.QueryAsync<ComplaintRow>(sql, parameters, cancellationToken) : await read(cancellationToken);
        if (rows.Count == 0)
        {
            return new FreeTextBatch(0, 0, after);
        }

        await texts.PreloadAsync(rows.Select(r => r.ConsumerId), cancellationToken);
        var sealedRows = new List<SealedComplaint>(rows.Count);
        foreach (var row in rows)
        {
            var cipher = await texts.ForConsumerAsync(row.ConsumerId, cancellationToken);
            string? Seal(string column, string? value) => cipher.Seal(FreeTextColumns.Complaints, row.Id, column, value);
            var vulnerability = row.PlainVulnerability();
            sealedRows.Add(new SealedComplaint(row, cipher.KeyDestroyed, vulnerability,
                Seal(FreeTextColumns.Description, row.Description)!, Seal(FreeTextColumns.RedressNonMonetary, row.RedressNonMonetary),
                Seal(FreeTextColumns.ReferralBody, row.ReferralBody), Seal(FreeTextColumns.ReferralReference, row.ReferralReference),
                Seal(FreeTextColumns.VulnerabilityDetails, VulnerabilityDetails.Format(vulnerability))));
        }

        var written = await WriteComplaintsAsync(sealedRows, cancellationToken);
        var converted = sealedRows.Where(s => written.Contains(s.Row.Id)).ToList();
        var tallies = VulnerabilityTallies.Changes(scope.Required, [], [.. converted.SelectMany(s =>
            VulnerabilityTallies.Of(WireNames.Parse<ComplaintStatus>(s.Row.Status), s.Row.ReceivedAt, s.Vulnerability))]);
        if (tallies.Count > 0)
        {
            await db.DeferAsync(VulnerabilityTallies.Upsert, tallies, cancellationToken);
        }

        await keywords.IndexManyAsync([.. converted.Where(s => !s.KeyDestroyed).Select(s => (s.Row.Id, (string?)s.Row.Description))], cancellationToken);
        return new FreeTextBatch(rows.Count, converted.Count, rows[^1].Id);
    }

    private sealed record SealedComplaint(ComplaintRow Row, bool KeyDestroyed, ComplaintVulnerability Vulnerability, string Description,
        string? RedressNonMonetary, string? ReferralBody, string? ReferralReference, string? VulnerabilityDetails);

    /// <summary>What the conversion sets on a complaint, the sealed values taken from <paramref name="source"/>.</summary>
    private static string ComplaintSet(string source) =>
        $"""
        description = {source}description, redress_non_monetary = {source}redress_non_monetary, referral_body = {source}referral_body,
        referral_reference = {source}referral_reference, vulnerability_details = {source}vulnerability_details,
        vulnerability_health = @Cleared, vulnerability_life_event = @Cleared, vulnerability_resilience = @Cleared,
        vulnerability_capability = @Cleared, vulnerability_consent_at = NULL, text_sealed = @Sealed
        """;

    /// <summary>The ids of the rows written (a row sealed meanwhile by the service is left as it is).</summary>
    private async Task<HashSet<Guid>> WriteComplaintsAsync(List<SealedComplaint> rows, CancellationToken cancellationToken)
    {
        if (Postgres)
        {
            return [.. await db.QueryAsync<Guid>(
                $"""
                UPDATE complaints c SET {ComplaintSet("u.")}
                FROM unnest(@Ids, @Descriptions, @RedressNonMonetary, @ReferralBodies, @ReferralReferences, @VulnerabilityDetails)
                     AS u(id, description, redress_non_monetary, referral_body, referral_reference, vulnerability_details)
                WHERE c.tenant_id = @TenantId AND c.id = u.id AND c.text_sealed = @Unsealed
                RETURNING c.id
                """,
                new
                {
                    TenantId = scope.Required,
                    Ids = rows.Select(r => r.Row.Id).ToArray(),
                    Descriptions = rows.Select(r => r.Description).ToArray(),
                    RedressNonMonetary = rows.Select(r => r.RedressNonMonetary).ToArray(),
                    ReferralBodies = rows.Select(r => r.ReferralBody).ToArray(),
                    ReferralReferences = rows.Select(r => r.ReferralReference).ToArray(),
                    VulnerabilityDetails = rows.Select(r => r.VulnerabilityDetails).ToArray(),
                    Cleared = false,
                    Sealed = true,
                    Unsealed = false,
                }, cancellationToken)];
        }

        var written = new HashSet<Guid>();
        foreach (var r in rows)
        {
            if (await db.ExecuteAsync(
                $"""
                UPDATE complaints SET {ComplaintSet("@")}
                WHERE tenant_id = @TenantId AND id = @Id AND text_sealed = @Unsealed
                """,
                new
                {
                    TenantId = scope.Required,
                    r.Row.Id,
                    description = r.Description,
                    redress_non_monetary = r.RedressNonMonetary,
                    referral_body = r.ReferralBody,
                    referral_reference = r.ReferralReference,
                    vulnerability_details = r.VulnerabilityDetails,
                    Cleared = false,
                    Sealed = true,
                    Unsealed = false,
                }, cancellationToken) == 1)
            {
                written.Add(r.Row.Id);
            }
        }

        return written;
    }

    /// <summary>A batch of unconverted notes, locked (<see cref="Lock"/>): the statement and its parameters.</summary>
    private (string Sql, object Parameters) NotesRead(Guid? consumerId, Guid? after, int batch) => (
        $"""
        SELECT n.id, n.complaint_id, n.body, c.consumer_id FROM complaint_notes n
        JOIN complaints c ON c.tenant_id = n.tenant_id AND c.id = n.complaint_id
        WHERE n.tenant_id = @TenantId AND n.text_sealed = @Unsealed
          {(consumerId is null ? "" : "AND c.consumer_id = @ConsumerId")} {(after is null ? "" : "AND n.id > @After")}
        ORDER BY n.id LIMIT @Take {Lock(consumerId, "n")}
        """,
        new { TenantId = scope.Required, Unsealed = false, ConsumerId = consumerId ?? Guid.Empty, After = after ?? Guid.Empty, Take = batch });

    private async Task<FreeTextBatch> NotesAsync(Guid? consumerId, Guid? after, int batch, CancellationToken cancellationToken,
        Func<CancellationToken, Task<IReadOnlyList<UnsealedNote>>>? read = null)
    {
        var (sql, parameters) = NotesRead(consumerId, after, batch);
        var rows = read is null ? await db.QueryAsync<UnsealedNote>(sql, parameters, cancellationToken) : await read(cancellationToken);
        if (rows.Count == 0)
        {
            return new FreeTextBatch(0, 0, after);
        }

        await texts.PreloadAsync(rows.Select(r => r.ConsumerId), cancellationToken);
        var bodies = new List<(UnsealedNote Note, bool KeyDestroyed, string Body)>(rows.Count);
        foreach (var row in rows)
        {
            var cipher = await texts.ForConsumerAsync(row.ConsumerId, cancellationToken);
            bodies.Add((row, cipher.KeyDestroyed, cipher.Seal(FreeTextColumns.Notes, row.Id, FreeTextColumns.NoteBody, row.Body)!));
        }

        HashSet<Guid> written;
        const string Guard = "text_sealed = @Unsealed";
        var common = new { TenantId = scope.Required, Sealed = true, Unsealed = false };
        if (Postgres)
        {
            written = [.. await db.QueryAsync<Guid>(
                $"""
                UPDATE complaint_notes n SET body = u.body, text_sealed = @Sealed FROM unnest(@Ids, @Bodies) AS u(id, body)
                WHERE n.tenant_id = @TenantId AND n.id = u.id AND n.{Guard} RETURNING n.id
                """,
                new { common.TenantId, common.Sealed, common.Unsealed, Ids = bodies.Select(b => b.Note.Id).ToArray(), Bodies = bodies.Select(b => b.Body).ToArray() },
                cancellationToken)];
        }
        else
        {
            written = [];
            foreach (var (note, _, body) in bodies)
            {
                if (await db.ExecuteAsync($"UPDATE complaint_notes SET body = @Body, text_sealed = @Sealed WHERE tenant_id = @TenantId AND id = @Id AND {Guard}",
                    new { common.TenantId, common.Sealed, common.Unsealed, note.Id, Body = body }, cancellationToken) == 1)
                {
                    written.Add(note.Id);
                }
            }
        }

        await keywords.IndexManyAsync([.. bodies.Where(b => !b.KeyDestroyed && written.Contains(b.Note.Id)).Select(b => (b.Note.ComplaintId, (string?)b.Note.Body))],
            cancellationToken);
        return new FreeTextBatch(rows.Count, written.Count, rows[^1].Id);
    }

    private sealed class UnsealedNote
    {
        public Guid Id { get; init; }
        public Guid ComplaintId { get; init; }
        public string Body { get; init; } = "";
        public Guid ConsumerId { get; init; }
    }
}
