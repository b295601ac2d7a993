using Cms.Application.Abstractions;
using Cms.Domain.Common;
using Cms.Domain.Complaints;
using Cms.Infrastructure.Complaints;
using Cms.Infrastructure.Crypto;
using Cms.Infrastructure.Persistence;

namespace Cms.Infrastructure.Privacy;

/// <summary>
/// Seals the free text of rows written before it was sealed (text_sealed = false), in bounded batches of the tenant in
/// scope: the online conversion (<c>seal-free-text</c>) and the erasure of a consumer (whose unconverted rows become
/// tombstones, their plaintext gone). A row's vulnerability drivers move from the plain columns to the sealed details
/// and the tallies in the same statement batch, so the return's figures never change. The version is not raised (no
/// caller-visible change); a row written meanwhile by the service is skipped (<c>text_sealed = false</c> in the WHERE,
/// and the service's own write of an unconverted row is guarded the other way round).
/// </summary>
internal sealed class FreeTextConverter(DbSession db, TenantScope scope, ConsumerTextKeys texts, ComplaintKeywords keywords)
{
    /// <summary>Seals up to <paramref name="batch"/> complaints (of one consumer, or of any); returns how many it took.</summary>
    public async Task<int> ConvertComplaintsAsync(Guid? consumerId, int batch, CancellationToken cancellationToken)
    {
        var rows = await db.QueryAsync<ComplaintRow>(
            $"""
            SELECT {ComplaintRow.Map.Columns} FROM complaints
            WHERE tenant_id = @TenantId AND text_sealed = @Unsealed {(consumerId is null ? "" : "AND consumer_id = @ConsumerId")}
            ORDER BY id LIMIT @Take
            """,
            new { TenantId = scope.Required, Unsealed = false, ConsumerId = consumerId ?? Guid.Empty, Take = batch }, cancellationToken);
        foreach (var row in rows)
        {
            var cipher = await texts.ForConsumerAsync(row.ConsumerId, cancellationToken);
            var vulnerability = row.PlainVulnerability();
            string? Seal(string column, string? value) => cipher.Seal(FreeTextColumns.Complaints, row.Id, column, value);
            var converted = await db.ExecuteAsync(
                """
                UPDATE complaints SET description = @Description, redress_non_monetary = @RedressNonMonetary,
                       referral_body = @ReferralBody, referral_reference = @ReferralReference,
                       vulnerability_details = @VulnerabilityDetails, vulnerability_health = @Cleared,
                       vulnerability_life_event = @Cleared, vulnerability_resilience = @Cleared,
                       vulnerability_capability = @Cleared, vulnerability_consent_at = NULL, text_sealed = @Sealed
                WHERE tenant_id = @TenantId AND id = @Id AND text_sealed = @Unsealed
                """,
                new
                {
                    row.TenantId,
                    row.Id,
                    Description = Seal(FreeTextColumns.Description, row.Description),
                    RedressNonMonetary = Seal(FreeTextColumns.RedressNonMonetary, row.RedressNonMonetary),
                    ReferralBody = Seal(FreeTextColumns.ReferralBody, row.ReferralBody),
                    ReferralReference = Seal(FreeTextColumns.ReferralReference, row.ReferralReference),
                    VulnerabilityDetails = Seal(FreeTextColumns.VulnerabilityDetails, VulnerabilityDetails.Format(vulnerability)),
                    Cleared = false,
                    Sealed = true,
                    Unsealed = false,
                }, cancellationToken);
            var tallies = VulnerabilityTallies.Changes(row.TenantId, [],
                VulnerabilityTallies.Of(WireNames.Parse<ComplaintStatus>(row.Status), row.ReceivedAt, vulnerability));
            if (converted == 1 && tallies.Count > 0)
            {
                await db.ExecuteAsync(VulnerabilityTallies.Upsert, tallies, cancellationToken);
            }

            if (converted == 1 && !cipher.KeyDestroyed)
            {
                await keywords.IndexAsync(row.Id, row.Description, cancellationToken);
            }
        }

        return rows.Count;
    }

    /// <summary>Seals up to <paramref name="batch"/> notes (on one consumer's complaints, or any); returns how many it took.</summary>
    public async Task<int> ConvertNotesAsync(Guid? consumerId, int batch, CancellationToken cancellationToken)
    {
        var rows = await db.QueryAsync<UnsealedNote>(
            $"""
            SELECT n.id, n.complaint_id, n.body, c.consumer_id FROM complaint_notes n
            JOIN complaints c ON c.tenant_id = n.tenant_id AND c.id = n.complaint_id
            WHERE n.tenant_id = @TenantId AND n.text_sealed = @Unsealed {(consumerId is null ? "" : "AND c.consumer_id = @ConsumerId")}
            ORDER BY n.id LIMIT @Take
            """,
            new { TenantId = scope.Required, Unsealed = false, ConsumerId = consumerId ?? Guid.Empty, Take = batch }, cancellationToken);
        foreach (var row in rows)
        {
            var cipher = await texts.ForConsumerAsync(row.ConsumerId, cancellationToken);
            var converted = await db.ExecuteAsync(
                "UPDATE complaint_notes SET body = @Body, text_sealed = @Sealed WHERE tenant_id = @TenantId AND id = @Id AND text_sealed = @Unsealed",
                new
                {
                    TenantId = scope.Required,
                    row.Id,
                    Body = cipher.Seal(FreeTextColumns.Notes, row.Id, FreeTextColumns.NoteBody, row.Body),
                    Sealed = true,
                    Unsealed = false,
                }, cancellationToken);
            if (converted == 1 && !cipher.KeyDestroyed)
            {
                await keywords.IndexAsync(row.ComplaintId, row.Body, cancellationToken);
            }
        }

        return rows.Count;
    }

    /// <summary>Every unconverted row about one consumer (erasure: a consumer has few complaints).</summary>
    public async Task ConvertConsumerAsync(Guid consumerId, CancellationToken cancellationToken)
    {
        const int Batch = 500;
        while (await ConvertComplaintsAsync(consumerId, Batch, cancellationToken) == Batch)
        {
        }

        while (await ConvertNotesAsync(consumerId, Batch, cancellationToken) == Batch)
        {
        }
    }

    private sealed class UnsealedNote
    {
        public Guid Id { get; init; }
        public Guid ComplaintId { get; init; }
        public string Body { get; init; } = "";
        public Guid ConsumerId { get; init; }
    }
}
