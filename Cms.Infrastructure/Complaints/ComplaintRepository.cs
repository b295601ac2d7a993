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

    private sealed record AsStored(SealedComplaintText? Sealed, IReadOnlyList<(DateTimeOffset, string)>? Tallies);

    private static AsStored Of(ComplaintRow row, ComplaintText text, ConsumerTextCipher cipher) => new(SealedComplaintText.Of(row),
        // A row not yet converted counts through its plain driver columns (which its write clears): nothing tallied yet.
        cipher.KeyDestroyed ? null
        : row.TextSealed ? VulnerabilityTallies.Of(WireNames.Parse<ComplaintStatus>(row.Status), row.ReceivedAt, text.Vulnerability)
        : []);

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
        await db.ExecuteAsync(
            $"""
            INSERT INTO complaints ({ComplaintRow.Columns}) VALUES ({ComplaintRow.Values})
            """,
            ComplaintRow.Parameters(complaint, text), cancellationToken);
        await CountAsync(complaint, [], cancellationToken);
        if (!cipher.KeyDestroyed)
        {
            await keywords.IndexAsync(complaint.Id, complaint.Description, cancellationToken);
        }

        Stored.AddOrUpdate(complaint, new AsStored(text, VulnerabilityTallies.Of(complaint)));
        await db.ExecuteAsync(DeadlineRow.Upsert, DeadlineRow.Parameters(complaint), cancellationToken);
        await AddResponsesAsync(complaint, cancellationToken);
        complaint.ClearPendingChanges();
    }

    private async Task AddResponsesAsync(Complaint complaint, CancellationToken cancellationToken)
    {
        if (complaint.AddedResponses.Count > 0)
        {
            await db.ExecuteAsync(
                $"INSERT INTO complaint_responses (tenant_id, {ResponseRow.Columns}) VALUES (@TenantId, @Id, @ComplaintId, @Type, @SentAt, @RecordedBy, @RecordedAt)",
                complaint.AddedResponses.Select(r => ResponseRow.Parameters(complaint.TenantId, r)).ToList(), cancellationToken);
        }
    }

    private Task<ComplaintRow?> RowAsync(Guid id, CancellationToken cancellationToken) =>
        db.QuerySingleOrDefaultAsync<ComplaintRow>(
            $"SELECT {ComplaintRow.Columns} FROM complaints WHERE tenant_id = @TenantId AND id = @Id",
            new { TenantId = scope.Required, Id = id }, cancellationToken);

    public async Task<Complaint?> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        var key = new { TenantId = scope.Required, Id = id };
        var row = await RowAsync(id, cancellationToken);
        if (row is null)
        {
            return null;
        }

        var deadlines = await db.QueryAsync<DeadlineRow>(
            $"SELECT {DeadlineRow.Columns} FROM complaint_deadlines WHERE tenant_id = @TenantId AND complaint_id = @Id AND withdrawn_at IS NULL",
            key, cancellationToken);
        // The responses of the complaint and of the duplicates merged into it (as the read model shows them): the
        // deadlines of a survivor count what was sent on its duplicates too (Complaint.Merge).
        var responses = await db.QueryAsync<ResponseRow>(
            $"""
            SELECT {ResponseRow.Columns} FROM complaint_responses
            WHERE tenant_id = @TenantId AND complaint_id IN ({ComplaintQueries.MergedFamily})
            ORDER BY sent_at, id
            """, key, cancellationToken);
        texts.Remember(row.Id, row.ConsumerId);
        var cipher = await texts.ForConsumerAsync(row.ConsumerId, cancellationToken);
        var text = ComplaintText.Open(row, cipher);
        var complaint = Complaint.Restore(row.ToState(deadlines, responses, text));
        Stored.AddOrUpdate(complaint, Of(row, text, cipher));
        return complaint;
    }

    /// <summary>Adds to the vulnerability tallies what the complaint counts for now beyond <paramref name="before"/>.</summary>
    private async Task CountAsync(Complaint complaint, IReadOnlyList<(DateTimeOffset, string)> before, CancellationToken cancellationToken)
    {
        var changes = VulnerabilityTallies.Changes(complaint.TenantId, before, VulnerabilityTallies.Of(complaint));
        if (changes.Count > 0)
        {
            await db.ExecuteAsync(VulnerabilityTallies.Upsert, changes, cancellationToken);
        }
    }

    public async Task<bool> UpdateAsync(Complaint complaint, long expectedVersion, CancellationToken cancellationToken)
    {
        TenantGuard.Check(scope, complaint.TenantId);
        var cipher = await texts.ForConsumerAsync(complaint.ConsumerId, cancellationToken);
        if (!Stored.TryGetValue(complaint, out var loaded))
        {
            // Not read through this repository (restored elsewhere): what the row holds now.
            var row = await RowAsync(complaint.Id, cancellationToken);
            loaded = row is null ? new AsStored(null, null) : Of(row, ComplaintText.Open(row, cipher), cipher);
        }

        var text = SealedComplaintText.Seal(complaint, cipher, loaded.Sealed);
        var updated = await db.ExecuteAsync(
            """
            UPDATE complaints SET received_at = @ReceivedAt, payment_services = @PaymentServices, disability = @Disability, status = @Status, assignee_id = @AssigneeId, acknowledged_at = @AcknowledgedAt,
                   summary_resolution_at = @SummaryResolutionAt, final_response_at = @FinalResponseAt, resolved_at = @ResolvedAt,
                   closed_at = @ClosedAt, reopened_at = @ReopenedAt, outcome = @Outcome, redress_amount_minor = @RedressAmountMinor,
                   redress_currency = @RedressCurrency, redress_non_monetary = @RedressNonMonetary, root_cause = @RootCause,
                   referral_body = @ReferralBody, referral_reference = @ReferralReference, referred_at = @ReferredAt,
                   referral_outcome = @ReferralOutcome, referral_outcome_at = @ReferralOutcomeAt, next_due_at = @NextDueAt,
                   next_due_kind = @NextDueKind, updated_at = @UpdatedAt, version = @Version, product = @Product,
                   product_taxonomy_version = @ProductTaxonomyVersion, category = @Category,
                   category_taxonomy_version = @CategoryTaxonomyVersion, root_cause_taxonomy_version = @RootCauseTaxonomyVersion,
                   vulnerability_involved = @VulnerabilityInvolved, vulnerability_health = @VulnerabilityHealth,
                   vulnerability_life_event = @VulnerabilityLifeEvent, vulnerability_resilience = @VulnerabilityResilience,
                   vulnerability_capability = @VulnerabilityCapability, vulnerability_consent_at = @VulnerabilityConsentAt,
                   closure_band = @ClosureBand, merged_into_id = @MergedIntoId, provisional_credit_at = @ProvisionalCreditAt,
                   queue_id = @QueueId, description = @Description, text_sealed = @TextSealed,
                   vulnerability_details = @VulnerabilityDetails
            WHERE tenant_id = @TenantId AND id = @Id AND version = @ExpectedVersion AND text_sealed = @WasSealed
            """,
            new DynamicParametersBuilder(ComplaintRow.Parameters(complaint, text)).With("ExpectedVersion", expectedVersion)
                .With("WasSealed", loaded.Sealed is not null).Build(),
            cancellationToken);
        if (updated != 1)
        {
            return false;
        }

        if (loaded.Tallies is { } before)
        {
            await CountAsync(complaint, before, cancellationToken);
        }

        Stored.AddOrUpdate(complaint, new AsStored(text, loaded.Tallies is null ? null : VulnerabilityTallies.Of(complaint)));

        // The deadlines as the aggregate holds them now; a kind that no longer applies (a flag cleared) is withdrawn, not
        // deleted, so a later flag can bring it back and the history of what applied stays readable.
        await db.ExecuteAsync(DeadlineRow.Upsert, DeadlineRow.Parameters(complaint), cancellationToken);
        if (complaint.PendingChanges.Contains("deadlines"))
        {
            var key = new { complaint.TenantId, ComplaintId = complaint.Id };
            var stored = await db.QueryAsync<string>(
                "SELECT kind FROM complaint_deadlines WHERE tenant_id = @TenantId AND complaint_id = @ComplaintId AND withdrawn_at IS NULL",
                key, cancellationToken);
            var current = complaint.Deadlines.Select(d => d.Kind.ToWire()).ToHashSet(StringComparer.Ordinal);
            var withdrawn = stored.Where(k => !current.Contains(k))
                .Select(k => new { complaint.TenantId, ComplaintId = complaint.Id, Kind = k, Now = complaint.UpdatedAt }).ToList();
            if (withdrawn.Count > 0)
            {
                await db.ExecuteAsync(
                    """
                    UPDATE complaint_deadlines SET withdrawn_at = @Now
                    WHERE tenant_id = @TenantId AND complaint_id = @ComplaintId AND kind = @Kind AND withdrawn_at IS NULL
                    """,
                    withdrawn, cancellationToken);
            }
        }

        await AddResponsesAsync(complaint, cancellationToken);
        return true;
    }

    public async Task<IReadOnlyList<RepointedComplaint>> RepointMergedAsync(Guid fromId, Guid toId, CancellationToken cancellationToken)
    {
        var rows = await db.QueryAsync<RepointedRow>(
            """
            UPDATE complaints SET merged_into_id = @ToId, version = version + 1, updated_at = @Now
            WHERE tenant_id = @TenantId AND merged_into_id = @FromId
            RETURNING id, version
            """,
            new { TenantId = scope.Required, FromId = fromId, ToId = toId, Now = clock.GetUtcNow() }, cancellationToken);
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
        await db.ExecuteAsync(
            """
            INSERT INTO complaint_notes (tenant_id, id, complaint_id, kind, body, author_id, created_at, text_sealed)
            VALUES (@TenantId, @Id, @ComplaintId, @Kind, @Body, @AuthorId, @CreatedAt, @TextSealed)
            """,
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
