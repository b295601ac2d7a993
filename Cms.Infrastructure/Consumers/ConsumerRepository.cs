using System.Security.Cryptography;
using Cms.Application.Abstractions;
using Cms.Domain.Consumers;
using Cms.Infrastructure.Crypto;
using Cms.Infrastructure.Persistence;
using Cms.Infrastructure.Privacy;

namespace Cms.Infrastructure.Consumers;

internal sealed class ConsumerRepository(DbSession db, TenantScope scope, ConsumerKeyring keys, ConsumerSealing sealing, TimeProvider clock,
    ConsumerTextKeys texts, FreeTextConverter freeText, ComplaintKeywords keywords, LockedRows locked)
    : IConsumerRepository
{
    /// <summary>A new data key for the consumer (wrapped with the tenant key, created on the tenant's first consumer), the
    /// row sealed with it, then the wrapped key stored in consumer_keys; both inserts travel with the transaction's next
    /// round trip (its COMMIT for a registration: docs/adr/0011), a duplicate external reference failing there as before.</summary>
    public async Task AddAsync(Consumer consumer, CancellationToken cancellationToken)
    {
        TenantGuard.Check(scope, consumer.TenantId);
        string wrapped;
        using (var sealer = (await keys.SealerAsync(create: true, consumers: 1, cancellationToken))!)
        {
            (var row, wrapped) = sealer.SealNew(consumer);
            await db.DeferAsync(ConsumerRow.Map.Insert, row, cancellationToken);
        }

        await db.DeferAsync(
            "INSERT INTO consumer_keys (tenant_id, consumer_id, wrapped_key, created_at) VALUES (@TenantId, @ConsumerId, @WrappedKey, @CreatedAt)",
            new { consumer.TenantId, ConsumerId = consumer.Id, WrappedKey = wrapped, CreatedAt = clock.GetUtcNow() }, cancellationToken);
    }

    private const string Table = "consumers";

    // The wrapped key of each consumer this request read, read with the row: an update needs no read of its own.
    private readonly Dictionary<Guid, string?> _wrappedKeys = [];

    public Task<Consumer?> GetAsync(Guid id, CancellationToken cancellationToken) => LoadAsync(id, lockRow: false, cancellationToken);

    public Task<Consumer?> GetForUpdateAsync(Guid id, CancellationToken cancellationToken) => LoadAsync(id, lockRow: true, cancellationToken);

    /// <summary>The row with its wrapped key in one statement; <paramref name="lockRow"/> locks it (<see cref="LockedRows"/>)
    /// so the guarded update travels with COMMIT.</summary>
    private async Task<Consumer?> LoadAsync(Guid id, bool lockRow, CancellationToken cancellationToken) =>
        await OpenAsync(await db.QuerySingleOrDefaultAsync<ConsumerRow>(LoadSql(lockRow), new { TenantId = scope.Required, Id = id }, cancellationToken),
            lockRow, cancellationToken);

    private string LoadSql(bool lockRow) => $"{ConsumerRow.SelectFrom} WHERE c.tenant_id = @TenantId AND c.id = @Id{(lockRow ? locked.Clause("c") : "")}";

    /// <summary>The row locked, and the consumer's text still unsealed (locked too) read along with it, in one round trip: the
    /// erasure converts that text next (<see cref="FreeTextConverter.ConvertConsumerAsync"/>) with no read of its own.
    /// PostgreSQL: locked FOR UPDATE (the erasure's update of the unique blind indexes needs that lock anyway), so it
    /// waits for every filing in flight whose complaint's foreign key holds the row and sees its words, and a filing
    /// that comes after waits for it and sees the consumer erased (<see cref="ComplaintKeywords.IndexFiledAsync"/>).</summary>
    public async Task<Consumer?> GetForErasureAsync(Guid id, CancellationToken cancellationToken)
    {
        freeText.ReadConsumerAlong(id);
        var sql = db is PostgresSession ? $"{ConsumerRow.SelectFrom} WHERE c.tenant_id = @TenantId AND c.id = @Id FOR UPDATE OF c" : LoadSql(lockRow: true);
        var rows = await db.QueryAsync<ConsumerRow>(sql, new { TenantId = scope.Required, Id = id }, cancellationToken);
        return await OpenAsync(rows.SingleOrDefault(), lockRow: true, cancellationToken);
    }

    public Func<CancellationToken, Task<Consumer?>> GetOfComplaintWithComplaint(Guid complaintId)
    {
        var read = db.ReadAlong<ConsumerRow>(
            $"{ConsumerRow.SelectFrom} WHERE c.tenant_id = @TenantId AND c.id = (SELECT consumer_id FROM complaints WHERE tenant_id = @TenantId AND id = @ComplaintId)",
            new { TenantId = scope.Required, ComplaintId = complaintId });
        return async cancellationToken => await OpenAsync(await read(cancellationToken), lockRow: false, cancellationToken);
    }

    private async Task<Consumer?> OpenAsync(ConsumerRow? row, bool lockRow, CancellationToken cancellationToken)
    {
        if (row is null)
        {
            return null;
        }

        if (lockRow)
        {
            locked.Read(Table, row.Id, row.Version);
        }

        _wrappedKeys[row.Id] = row.WrappedKey;
        texts.KeepWrapped(row.Id, row.WrappedKey); // the audit entry's values are sealed under it: no second read
        return (await sealing.OpenAsync(row, cancellationToken)).ToDomain();
    }

    /// <summary>Read with the consumer's wrapped key (<see cref="ConsumerTextKeys.ConsumerExistsAsync"/>): a filing seals its
    /// text under that key next.</summary>
    public Task<bool> ExistsAsync(Guid id, CancellationToken cancellationToken) => texts.ConsumerExistsAsync(id, cancellationToken);

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
        var sql = $"UPDATE consumers SET {ConsumerRow.Map.UpdateSet} WHERE {ConsumerRow.Map.KeyEquals} AND version = @ExpectedVersion";
        if (consumer.IsErased)
        {
            var erased = await locked.UpdateAsync(Table, consumer.Id, expectedVersion, consumer.Version, sql,
                new DynamicParametersBuilder(ConsumerSealing.Erased(consumer)).With("ExpectedVersion", expectedVersion).Build(),
                cancellationToken);
            if (erased)
            {
                await db.DeferAsync("UPDATE consumer_keys SET wrapped_key = NULL WHERE tenant_id = @TenantId AND consumer_id = @ConsumerId",
                    new { TenantId = tenantId, ConsumerId = consumer.Id }, cancellationToken);

                // The free text sealed under that key died with it; text still in plaintext (not yet converted) is
                // replaced by tombstones now.
                texts.Forget(consumer.Id);
                _wrappedKeys[consumer.Id] = null;
                await freeText.ConvertConsumerAsync(consumer.Id, cancellationToken);
                await keywords.ForgetConsumerAsync(consumer.Id, cancellationToken);
            }

            return erased;
        }

        var wrapped = _wrappedKeys.TryGetValue(consumer.Id, out var read) ? read : await db.ExecuteScalarAsync<string?>(
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
            return await locked.UpdateAsync(Table, consumer.Id, expectedVersion, consumer.Version, sql,
                new DynamicParametersBuilder(sealer.Seal(consumer, dataKey)).With("ExpectedVersion", expectedVersion).Build(),
                cancellationToken);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
        }
    }
}
