using Cms.Application.Abstractions;
using Cms.Application.Audit;
using Cms.Domain.Audit;
using Cms.Domain.Common;
using Cms.Domain.Complaints;
using Cms.Domain.Regulation;
using Cms.Application.Calendar;
using Cms.Domain.Consumers;
using Cms.Domain.Queues;
using Cms.Domain.Staff;
using Cms.Domain.Taxonomies;
using Cms.Domain.Tenants;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Cms.Infrastructure.Crypto;
using Cms.Infrastructure.Persistence;
using Cms.Infrastructure.Privacy;

namespace Cms.Infrastructure.Repositories;

// Write side. Every statement names tenant_id = @TenantId from the request's TenantScope (the application lock;
// PostgreSQL's row-level security is the second lock), and every write of an entity checks that the entity belongs to
// that tenant before it is sent.

internal static class TenantGuard
{
    public static Guid Check(TenantScope scope, Guid entityTenantId)
    {
        var tenantId = scope.Required;
        if (entityTenantId != tenantId)
        {
            throw new InvalidOperationException("An entity of another tenant cannot be written in this request.");
        }

        return tenantId;
    }
}

internal sealed class TenantRepository(DbSession db) : ITenantRepository
{
    public Task AddAsync(Tenant tenant, CancellationToken cancellationToken) =>
        db.ExecuteAsync(
            $"INSERT INTO tenants ({TenantRow.Columns}) VALUES (@Id, @Name, @Sector, @Jurisdiction, @Status, @CreatedAt, @StatusReason, @StatusChangedAt)",
            TenantRow.Parameters(tenant), cancellationToken);

    /// <summary>A platform operator's status change; compare-and-set on the status read, so of two racing operators one wins.</summary>
    public async Task<bool> UpdateStatusAsync(Tenant tenant, TenantStatus expected, CancellationToken cancellationToken) =>
        await db.ExecuteAsync(
            """
            UPDATE tenants SET status = @Status, status_reason = @StatusReason, status_changed_at = @StatusChangedAt
            WHERE id = @Id AND status = @Expected
            """,
            new { tenant.Id, Status = tenant.Status.ToWire(), tenant.StatusReason, tenant.StatusChangedAt, Expected = expected.ToWire() },
            cancellationToken) == 1;

    public async Task<Tenant?> GetAsync(Guid id, CancellationToken cancellationToken) =>
        (await db.QuerySingleOrDefaultAsync<TenantRow>($"SELECT {TenantRow.Columns} FROM tenants WHERE id = @Id", new { Id = id },
            cancellationToken))?.ToDomain();
}

internal sealed class StaffRepository(DbSession db, TenantScope scope, TimeProvider clock) : IStaffRepository
{
    public Task AddAsync(StaffMember staff, CancellationToken cancellationToken) =>
        db.ExecuteAsync(
            """
            INSERT INTO staff_users (tenant_id, id, subject, email, display_name, kind, roles, is_active, created_at, updated_at, version)
            VALUES (@TenantId, @Id, @Subject, @Email, @DisplayName, @Kind, @Roles, @IsActive, @CreatedAt, @CreatedAt, @Version)
            """,
            new
            {
                TenantId = TenantGuard.Check(scope, staff.TenantId),
                staff.Id,
                staff.Subject,
                staff.Email,
                staff.DisplayName,
                Kind = staff.Kind.ToWire(),
                Roles = StaffRow.FormatRoles(staff.Roles),
                staff.IsActive,
                staff.CreatedAt,
                staff.Version,
            },
            cancellationToken);

    public Task<StaffMember?> GetAsync(Guid id, CancellationToken cancellationToken) =>
        WithQueuesAsync("s.id = @Id", new { TenantId = scope.Required, Id = id, Active = true }, cancellationToken);

    public Task<StaffMember?> FindBySubjectAsync(string subject, CancellationToken cancellationToken) =>
        WithQueuesAsync("s.subject = @Subject", new { TenantId = scope.Required, Subject = subject, Active = true }, cancellationToken);

    /// <summary>
    /// The caller's member row with the queues they work and their tenant's status, in the same one statement as
    /// <see cref="FindBySubjectAsync"/> (a scalar read of the registry row, no extra round trip): a suspension takes
    /// effect on every instance from the next request.
    /// </summary>
    public async Task<StaffCaller?> FindCallerAsync(string subject, CancellationToken cancellationToken)
    {
        var rows = await db.QueryAsync<StaffRow>(
            $"""
            SELECT {StaffRow.JoinedColumns}, (SELECT t.status FROM tenants t WHERE t.id = s.tenant_id) AS tenant_status
            FROM staff_users s LEFT JOIN staff_queues q ON q.tenant_id = s.tenant_id AND q.staff_id = s.id AND q.active = @Active
            WHERE s.tenant_id = @TenantId AND s.subject = @Subject
            """,
            new { TenantId = scope.Required, Subject = subject, Active = true }, cancellationToken);
        return rows.Count == 0
            ? null
            : new StaffCaller(ToMember(rows), WireNames.Parse<TenantStatus>(rows[0].TenantStatus ?? ""));
    }

    private static StaffMember ToMember(IReadOnlyList<StaffRow> rows) =>
        rows[0].ToDomain(rows.Where(r => r.QueueId is not null).Select(r => r.QueueId!.Value).ToHashSet());

    /// <summary>
    /// The member with the queues they work, read on every request like the roles (so a change takes effect at once) in
    /// ONE statement: the member's row joined with their active memberships, a row per queue (one row with no queue for
    /// a member of none). <paramref name="condition"/> is a constant of this class, never input.
    /// </summary>
    private async Task<StaffMember?> WithQueuesAsync(string condition, object parameters, CancellationToken cancellationToken)
    {
        var rows = await db.QueryAsync<StaffRow>(
            $"""
            SELECT {StaffRow.JoinedColumns}
            FROM staff_users s LEFT JOIN staff_queues q ON q.tenant_id = s.tenant_id AND q.staff_id = s.id AND q.active = @Active
            WHERE s.tenant_id = @TenantId AND {condition}
            """,
            parameters, cancellationToken);
        return rows.Count == 0 ? null : ToMember(rows);
    }

    public async Task ReplaceQueuesAsync(StaffMember staff, CancellationToken cancellationToken)
    {
        var tenantId = TenantGuard.Check(scope, staff.TenantId);
        var now = clock.GetUtcNow();
        await db.ExecuteAsync(
            "UPDATE staff_queues SET active = @Inactive, updated_at = @Now WHERE tenant_id = @TenantId AND staff_id = @StaffId AND active = @Active",
            new { TenantId = tenantId, StaffId = staff.Id, Inactive = false, Active = true, Now = now }, cancellationToken);
        if (staff.QueueIds.Count > 0)
        {
            await db.ExecuteAsync(
                """
                INSERT INTO staff_queues (tenant_id, staff_id, queue_id, active, updated_at) VALUES (@TenantId, @StaffId, @QueueId, @Active, @Now)
                ON CONFLICT (tenant_id, staff_id, queue_id) DO UPDATE SET active = excluded.active, updated_at = excluded.updated_at
                """,
                staff.QueueIds.Select(q => new { TenantId = tenantId, StaffId = staff.Id, QueueId = q, Active = true, Now = now }).ToList(),
                cancellationToken);
        }
    }

    public async Task<bool> UpdateAsync(StaffMember staff, long expectedVersion, CancellationToken cancellationToken) =>
        await db.ExecuteAsync(
            """
            UPDATE staff_users SET roles = @Roles, is_active = @IsActive, updated_at = @Now, version = @Version
            WHERE tenant_id = @TenantId AND id = @Id AND version = @ExpectedVersion
            """,
            new
            {
                TenantId = TenantGuard.Check(scope, staff.TenantId),
                staff.Id,
                Roles = StaffRow.FormatRoles(staff.Roles),
                staff.IsActive,
                Now = clock.GetUtcNow(),
                staff.Version,
                ExpectedVersion = expectedVersion,
            },
            cancellationToken) == 1;
}

internal sealed class ConsumerRepository(DbSession db, TenantScope scope, ConsumerKeyring keys, ConsumerSealing sealing, TimeProvider clock,
    ConsumerTextKeys texts, FreeTextConverter freeText, ComplaintKeywords keywords)
    : IConsumerRepository
{
    private const string Values =
        "@TenantId, @Id, @ExternalRef, @ExternalRefBidx, @FullName, @Email, @EmailBidx, @Phone, @PhoneBidx, @Address, @DateOfBirth, " +
        "@Vulnerability, @LegalHold, @ErasedAt, @CreatedAt, @UpdatedAt, @Version";

    /// <summary>A new data key for the consumer (wrapped with the tenant key, created on the tenant's first consumer), the
    /// row sealed with it, then the wrapped key stored in consumer_keys.</summary>
    public async Task AddAsync(Consumer consumer, CancellationToken cancellationToken)
    {
        TenantGuard.Check(scope, consumer.TenantId);
        string wrapped;
        using (var sealer = (await keys.SealerAsync(create: true, consumers: 1, cancellationToken))!)
        {
            (var row, wrapped) = sealer.SealNew(consumer);
            await db.ExecuteAsync($"INSERT INTO consumers ({ConsumerRow.InsertColumns}) VALUES ({Values})", row, cancellationToken);
        }

        await db.ExecuteAsync(
            "INSERT INTO consumer_keys (tenant_id, consumer_id, wrapped_key, created_at) VALUES (@TenantId, @ConsumerId, @WrappedKey, @CreatedAt)",
            new { consumer.TenantId, ConsumerId = consumer.Id, WrappedKey = wrapped, CreatedAt = clock.GetUtcNow() }, cancellationToken);
    }

    public async Task<Consumer?> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        var row = await db.QuerySingleOrDefaultAsync<ConsumerRow>(
            $"{ConsumerRow.SelectFrom} WHERE c.tenant_id = @TenantId AND c.id = @Id",
            new { TenantId = scope.Required, Id = id }, cancellationToken);
        return row is null ? null : (await sealing.OpenAsync(row, cancellationToken)).ToDomain();
    }

    public async Task<bool> ExternalRefExistsAsync(string externalRef, CancellationToken cancellationToken)
    {
        var index = await sealing.LookupIndexAsync(ConsumerColumns.ExternalRef, ConsumerColumns.NormaliseExternalRef(externalRef),
            cancellationToken);
        return index is not null && await db.ExecuteScalarAsync<long>(
            "SELECT COUNT(*) FROM consumers WHERE tenant_id = @TenantId AND external_ref_bidx = @Index",
            new { TenantId = scope.Required, Index = index }, cancellationToken) > 0;
    }

    /// <summary>
    /// Writes the consumer with fresh ciphertext (new nonces) under its data key. An erased consumer instead gets every
    /// ciphertext and blind index cleared and its data key destroyed (consumer_keys.wrapped_key = NULL), so any copy of
    /// the old ciphertext, in a backup too, can no longer be decrypted.
    /// </summary>
    public async Task<bool> UpdateAsync(Consumer consumer, long expectedVersion, CancellationToken cancellationToken)
    {
        var tenantId = TenantGuard.Check(scope, consumer.TenantId);
        const string Sql =
            """
            UPDATE consumers SET external_ref = @ExternalRef, external_ref_bidx = @ExternalRefBidx, full_name = @FullName,
                   email = @Email, email_bidx = @EmailBidx, phone = @Phone, phone_bidx = @PhoneBidx, address = @Address,
                   date_of_birth = @DateOfBirth, vulnerability = @Vulnerability, legal_hold = @LegalHold, erased_at = @ErasedAt,
                   updated_at = @UpdatedAt, version = @Version
            WHERE tenant_id = @TenantId AND id = @Id AND version = @ExpectedVersion
            """;
        if (consumer.IsErased)
        {
            var erased = await db.ExecuteAsync(Sql,
                new DynamicParametersBuilder(ConsumerSealing.Erased(consumer)).With("ExpectedVersion", expectedVersion).Build(),
                cancellationToken) == 1;
            if (erased)
            {
                await db.ExecuteAsync("UPDATE consumer_keys SET wrapped_key = NULL WHERE tenant_id = @TenantId AND consumer_id = @ConsumerId",
                    new { TenantId = tenantId, ConsumerId = consumer.Id }, cancellationToken);

                // The free text sealed under that key died with it; text still in plaintext (not yet converted) is
                // replaced by tombstones now.
                texts.Forget(consumer.Id);
                await freeText.ConvertConsumerAsync(consumer.Id, cancellationToken);
                await keywords.ForgetConsumerAsync(consumer.Id, cancellationToken);
            }

            return erased;
        }

        var wrapped = await db.ExecuteScalarAsync<string?>(
            "SELECT wrapped_key FROM consumer_keys WHERE tenant_id = @TenantId AND consumer_id = @ConsumerId",
            new { TenantId = tenantId, ConsumerId = consumer.Id }, cancellationToken);
        if (wrapped is null)
        {
            return false;
        }

        var dataKey = await keys.UnwrapConsumerKeyAsync(consumer.Id, wrapped, cancellationToken);
        try
        {
            using var sealer = (await keys.SealerAsync(create: false, consumers: 1, cancellationToken))!;
            return await db.ExecuteAsync(Sql,
                new DynamicParametersBuilder(sealer.Seal(consumer, dataKey)).With("ExpectedVersion", expectedVersion).Build(),
                cancellationToken) == 1;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
        }
    }
}

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
            WHERE tenant_id = @TenantId AND complaint_id IN ({Cms.Infrastructure.Queries.ComplaintQueries.MergedFamily})
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

/// <summary>The tenant's closure days and clock settings (tenant tables under row-level security).</summary>
internal sealed class TenantClockRepository(DbSession db, TenantScope scope) : ITenantClockRepository, ICalendarQueries
{
    public async Task<TenantClock> GetClockAsync(DateOnly from, DateOnly to, CancellationToken cancellationToken)
    {
        var days = await db.QueryAsync<DateOnly>(
            "SELECT day FROM tenant_closure_days WHERE tenant_id = @TenantId AND active = @Active AND day >= @From AND day <= @To",
            new { TenantId = scope.Required, Active = true, From = from, To = to }, cancellationToken);
        var settings = await GetSettingsAsync(cancellationToken);
        return new TenantClock(new ClosureDays(days), settings.InternalSla);
    }

    public async Task<ClosureDay?> GetClosureDayAsync(DateOnly date, CancellationToken cancellationToken) =>
        (await db.QuerySingleOrDefaultAsync<ClosureDayRow>(
            $"SELECT {ClosureDayRow.Columns} FROM tenant_closure_days WHERE tenant_id = @TenantId AND day = @Day",
            new { TenantId = scope.Required, Day = date }, cancellationToken))?.ToDomain();

    public Task AddClosureDayAsync(ClosureDay day, CancellationToken cancellationToken) =>
        db.ExecuteAsync(
            """
            INSERT INTO tenant_closure_days (tenant_id, id, day, name, active, created_at, updated_at)
            VALUES (@TenantId, @Id, @Day, @Name, @Active, @UpdatedAt, @UpdatedAt)
            """,
            new { TenantId = TenantGuard.Check(scope, day.TenantId), day.Id, Day = day.Date, day.Name, day.Active, day.UpdatedAt },
            cancellationToken);

    public Task UpdateClosureDayAsync(ClosureDay day, CancellationToken cancellationToken) =>
        db.ExecuteAsync(
            "UPDATE tenant_closure_days SET name = @Name, active = @Active, updated_at = @UpdatedAt WHERE tenant_id = @TenantId AND id = @Id",
            new { TenantId = TenantGuard.Check(scope, day.TenantId), day.Id, day.Name, day.Active, day.UpdatedAt }, cancellationToken);

    public async Task<ClockSettings> GetSettingsAsync(CancellationToken cancellationToken) =>
        (await db.QuerySingleOrDefaultAsync<ClockSettingsRow>(
            $"SELECT {ClockSettingsRow.Columns} FROM tenant_clock_settings WHERE tenant_id = @TenantId",
            new { TenantId = scope.Required }, cancellationToken))?.ToDomain() ?? ClockSettings.Default;

    public Task SaveSettingsAsync(ClockSettings settings, DateTimeOffset now, CancellationToken cancellationToken) =>
        db.ExecuteAsync(
            """
            INSERT INTO tenant_clock_settings (tenant_id, internal_sla_amount, internal_sla_unit, at_risk_days, updated_at)
            VALUES (@TenantId, @Amount, @Unit, @AtRiskDays, @Now)
            ON CONFLICT (tenant_id) DO UPDATE SET internal_sla_amount = excluded.internal_sla_amount,
                internal_sla_unit = excluded.internal_sla_unit, at_risk_days = excluded.at_risk_days, updated_at = excluded.updated_at
            """,
            new
            {
                TenantId = scope.Required,
                settings.InternalSla?.Amount,
                Unit = settings.InternalSla?.Unit.ToWire(),
                settings.AtRiskDays,
                Now = now,
            },
            cancellationToken);

    public async Task<IReadOnlyList<ClosureDayDto>> ListClosureDaysAsync(DateOnly from, DateOnly to, CancellationToken cancellationToken)
    {
        var rows = await db.QueryAsync<ClosureDayRow>(
            $"""
            SELECT {ClosureDayRow.Columns} FROM tenant_closure_days
            WHERE tenant_id = @TenantId AND active = @Active AND day >= @From AND day <= @To ORDER BY day
            """,
            new { TenantId = scope.Required, Active = true, From = from, To = to }, cancellationToken);
        return [.. rows.Select(r => new ClosureDayDto(r.Id, r.Day, r.Name))];
    }
}

internal sealed class TaxonomyRepository(DbSession db, TenantScope scope) : ITaxonomyRepository
{
    public Task<int> CurrentVersionAsync(TaxonomyKind kind, CancellationToken cancellationToken) =>
        db.ExecuteScalarAsync<int>("SELECT COALESCE(MAX(version), 0) FROM taxonomies WHERE tenant_id = @TenantId AND kind = @Kind",
            new { TenantId = scope.Required, Kind = kind.ToWire() }, cancellationToken);

    public async Task AddAsync(Taxonomy taxonomy, Guid? publishedBy, CancellationToken cancellationToken)
    {
        var tenantId = TenantGuard.Check(scope, taxonomy.TenantId);
        var kind = taxonomy.Kind.ToWire();
        await db.ExecuteAsync(
            """
            INSERT INTO taxonomies (tenant_id, kind, version, id, entry_count, published_by, published_at)
            VALUES (@TenantId, @Kind, @Version, @Id, @EntryCount, @PublishedBy, @PublishedAt)
            """,
            new
            {
                TenantId = tenantId,
                Kind = kind,
                taxonomy.Version,
                taxonomy.Id,
                EntryCount = taxonomy.Entries.Count,
                PublishedBy = publishedBy,
                taxonomy.PublishedAt,
            },
            cancellationToken);
        await db.ExecuteAsync(
            "INSERT INTO taxonomy_entries (tenant_id, kind, version, code, label, position) VALUES (@TenantId, @Kind, @Version, @Code, @Label, @Position)",
            taxonomy.Entries.Select((e, i) => new { TenantId = tenantId, Kind = kind, taxonomy.Version, e.Code, e.Label, Position = i }).ToList(),
            cancellationToken);
    }

    public async Task<TaxonomyLookup> LookupAsync(TaxonomyKind kind, string code, CancellationToken cancellationToken)
    {
        var row = await db.QuerySingleOrDefaultAsync<TaxonomyLookupRow>(
            """
            SELECT t.version, e.code
            FROM taxonomies t
            LEFT JOIN taxonomy_entries e
                   ON e.tenant_id = t.tenant_id AND e.kind = t.kind AND e.version = t.version AND e.code = @Code
            WHERE t.tenant_id = @TenantId AND t.kind = @Kind
            ORDER BY t.version DESC
            LIMIT 1
            """,
            new { TenantId = scope.Required, Kind = kind.ToWire(), Code = code }, cancellationToken);
        return row is null ? new TaxonomyLookup(null, false) : new TaxonomyLookup(row.Version, row.Code is not null);
    }

    private sealed class TaxonomyLookupRow
    {
        public int Version { get; init; }
        public string? Code { get; init; }
    }
}

internal sealed class QueueRepository(DbSession db, TenantScope scope) : IQueueRepository
{
    public Task AddAsync(Queue queue, CancellationToken cancellationToken) =>
        db.ExecuteAsync(
            $"INSERT INTO queues ({QueueRow.Columns}) VALUES (@TenantId, @Id, @Code, @Name, @RetiredAt, @CreatedAt, @UpdatedAt, @Version)",
            new
            {
                TenantId = TenantGuard.Check(scope, queue.TenantId),
                queue.Id,
                queue.Code,
                queue.Name,
                queue.RetiredAt,
                queue.CreatedAt,
                queue.UpdatedAt,
                queue.Version,
            },
            cancellationToken);

    public async Task<Queue?> GetAsync(Guid id, CancellationToken cancellationToken) =>
        (await db.QuerySingleOrDefaultAsync<QueueRow>($"SELECT {QueueRow.Columns} FROM queues WHERE tenant_id = @TenantId AND id = @Id",
            new { TenantId = scope.Required, Id = id }, cancellationToken))?.ToDomain();

    public async Task<Queue?> FindByCodeAsync(string code, CancellationToken cancellationToken) =>
        (await db.QuerySingleOrDefaultAsync<QueueRow>($"SELECT {QueueRow.Columns} FROM queues WHERE tenant_id = @TenantId AND code = @Code",
            new { TenantId = scope.Required, Code = code }, cancellationToken))?.ToDomain();

    public async Task<bool> UpdateAsync(Queue queue, long expectedVersion, CancellationToken cancellationToken) =>
        await db.ExecuteAsync(
            """
            UPDATE queues SET retired_at = @RetiredAt, updated_at = @UpdatedAt, version = @Version
            WHERE tenant_id = @TenantId AND id = @Id AND version = @ExpectedVersion
            """,
            new
            {
                TenantId = TenantGuard.Check(scope, queue.TenantId),
                queue.Id,
                queue.RetiredAt,
                queue.UpdatedAt,
                queue.Version,
                ExpectedVersion = expectedVersion,
            },
            cancellationToken) == 1;
}
