using System.Security.Cryptography;
using Cms.Application.Abstractions;
using Cms.Infrastructure.Persistence;

namespace Cms.Infrastructure.Crypto;

/// <summary>
/// Seals and opens free text about one consumer (complaint descriptions, notes, vulnerability details, redress and
/// referral text: docs/adr/0013-free-text-sealing.md) under that consumer's data key, with the same AEAD and the same
/// associated data as the consumer's own fields (tenant, table, column, row id). Once the key is destroyed (erasure)
/// nothing opens: a stored value reads as <see cref="Unreadable"/> and new text is stored as <see cref="Tombstone"/>.
/// Not thread-safe (one request's use); disposing wipes the key.
/// </summary>
internal sealed class ConsumerTextCipher : IDisposable
{
    /// <summary>What a sealed value reads as once its key is destroyed: present, but no text.</summary>
    public const string Unreadable = "";

    /// <summary>The stored form of text written after the key was destroyed: not ciphertext, holds nothing.</summary>
    public const string Tombstone = "x:erased";

    private readonly Guid _tenantId;
    private readonly AesGcm? _cipher;

    public ConsumerTextCipher(Guid tenantId, Guid consumerId, byte[]? dataKey)
    {
        _tenantId = tenantId;
        ConsumerId = consumerId;
        if (dataKey is not null)
        {
            _cipher = Aead.Keyed(dataKey);
            CryptographicOperations.ZeroMemory(dataKey);
        }
    }

    public Guid ConsumerId { get; }

    /// <summary>The consumer's key was destroyed (erased): nothing opens any more.</summary>
    public bool KeyDestroyed => _cipher is null;

    /// <summary>The stored form of <paramref name="plaintext"/> for that row and column (null stays null).</summary>
    public string? Seal(string table, Guid rowId, string column, string? plaintext)
    {
        if (plaintext is null)
        {
            return null;
        }

        if (_cipher is null)
        {
            return Tombstone;
        }

        Span<byte> nonce = stackalloc byte[Aead.NonceSize];
        RandomNumberGenerator.Fill(nonce);
        return ConsumerKeyring.Encrypt(_cipher, nonce, _tenantId, table, rowId, column, plaintext);
    }

    /// <summary>The text of a value sealed for that row and column; <see cref="Unreadable"/> once the key is destroyed.
    /// Throws <see cref="CryptographicException"/> for a value moved from another row, column, table or tenant.</summary>
    public string? Open(string table, Guid rowId, string column, string? stored) =>
        stored is null ? null
        : _cipher is null || stored == Tombstone ? Unreadable
        : ConsumerKeyring.Decrypt(_cipher, _tenantId, table, rowId, column, stored);

    public void Dispose() => _cipher?.Dispose();
}

/// <summary>
/// The consumers' data keys as one request needs them for free text, unwrapped once per consumer and request (a
/// transition reads and writes the same complaint: one key read). Scoped; disposing wipes the keys.
/// </summary>
internal sealed class ConsumerTextKeys(DbSession db, TenantScope scope, ConsumerKeyring keys) : IDisposable
{
    private readonly Dictionary<Guid, ConsumerTextCipher> _byConsumer = [];
    private readonly Dictionary<Guid, Guid> _consumerOfComplaint = [];
    private readonly Dictionary<Guid, string?> _wrappedKeys = [];

    /// <summary>Whether the consumer exists (in the tenant in scope), read with their wrapped key in the same statement, so
    /// a filing that then seals text under it makes no second read.</summary>
    public async Task<bool> ConsumerExistsAsync(Guid consumerId, CancellationToken cancellationToken)
    {
        var row = await db.QuerySingleOrDefaultAsync<ConsumerKeyRow>(
            """
            SELECT c.id, k.wrapped_key FROM consumers c
            LEFT JOIN consumer_keys k ON k.tenant_id = c.tenant_id AND k.consumer_id = c.id
            WHERE c.tenant_id = @TenantId AND c.id = @ConsumerId
            """,
            new { TenantId = scope.Required, ConsumerId = consumerId }, cancellationToken);
        if (row is null)
        {
            return false;
        }

        KeepWrapped(consumerId, row.WrappedKey);
        return true;
    }

    /// <summary>A wrapped key read beside something else (the consumer's row, a complaint), unwrapped when first needed
    /// (null: the consumer is erased).</summary>
    public void KeepWrapped(Guid consumerId, string? wrappedKey)
    {
        if (!_byConsumer.ContainsKey(consumerId))
        {
            _wrappedKeys[consumerId] = wrappedKey;
        }
    }

    private sealed class ConsumerKeyRow
    {
        public Guid Id { get; init; }
        public string? WrappedKey { get; init; }
    }

    /// <summary>Reads the wrapped keys of those consumers not yet known in one statement (a batch of the conversion), so
    /// that <see cref="ForConsumerAsync"/> unwraps each without a read of its own.</summary>
    public async Task PreloadAsync(IEnumerable<Guid> consumerIds, CancellationToken cancellationToken)
    {
        var unknown = consumerIds.Where(id => !_byConsumer.ContainsKey(id) && !_wrappedKeys.ContainsKey(id)).Distinct().ToList();
        if (unknown.Count == 0)
        {
            return;
        }

        // PostgreSQL takes the ids as one uuid[] and holds the consumers' rows (FOR SHARE) until COMMIT, as every write
        // of words holds them (ComplaintKeywords; a filing through its complaint's foreign key): an erasure that committed first reads as erased here (its erased_at, on
        // the row locked and read afresh), so nothing is sealed under the destroyed key nor indexed; one that comes
        // later waits for this COMMIT and then clears what was indexed. SQLite (one writer) takes the ids as a list
        // Dapper expands, in their stored text form (the list's elements bypass the id type handler).
        var rows = db is PostgresSession
            ? await db.QueryAsync<ConsumerKeyRow>(
                """
                SELECT c.id, CASE WHEN c.erased_at IS NULL THEN k.wrapped_key END AS wrapped_key FROM consumers c
                LEFT JOIN consumer_keys k ON k.tenant_id = c.tenant_id AND k.consumer_id = c.id
                WHERE c.tenant_id = @TenantId AND c.id = ANY(@Ids)
                FOR SHARE OF c
                """,
                new { TenantId = scope.Required, Ids = unknown.ToArray() }, cancellationToken)
            : await db.QueryAsync<ConsumerKeyRow>(
                "SELECT consumer_id AS id, wrapped_key FROM consumer_keys WHERE tenant_id = @TenantId AND consumer_id IN @Ids",
                new { TenantId = scope.Required, Ids = unknown.Select(id => id.ToString("D")).ToArray() }, cancellationToken);
        foreach (var id in unknown)
        {
            _wrappedKeys[id] = null;
        }

        foreach (var row in rows)
        {
            _wrappedKeys[row.Id] = row.WrappedKey;
        }
    }

    /// <summary>The cipher of the consumer's free text (a destroyed one when the consumer is erased or unknown).</summary>
    public async Task<ConsumerTextCipher> ForConsumerAsync(Guid consumerId, CancellationToken cancellationToken)
    {
        if (_byConsumer.TryGetValue(consumerId, out var cached))
        {
            return cached;
        }

        var wrapped = _wrappedKeys.Remove(consumerId, out var read) ? read : await db.ExecuteScalarAsync<string?>(
            "SELECT wrapped_key FROM consumer_keys WHERE tenant_id = @TenantId AND consumer_id = @ConsumerId",
            new { TenantId = scope.Required, ConsumerId = consumerId }, cancellationToken);
        var dataKey = wrapped is null ? null : await keys.UnwrapConsumerKeyAsync(consumerId, wrapped, cancellationToken);
        var cipher = new ConsumerTextCipher(scope.Required, consumerId, dataKey);
        _byConsumer[consumerId] = cipher;
        return cipher;
    }

    /// <summary>The cipher of the consumer of a complaint (merged duplicates share their survivor's consumer).</summary>
    public async Task<ConsumerTextCipher> ForComplaintAsync(Guid complaintId, CancellationToken cancellationToken)
    {
        if (!_consumerOfComplaint.TryGetValue(complaintId, out var consumerId))
        {
            consumerId = await db.ExecuteScalarAsync<Guid>(
                "SELECT consumer_id FROM complaints WHERE tenant_id = @TenantId AND id = @Id",
                new { TenantId = scope.Required, Id = complaintId }, cancellationToken);
            _consumerOfComplaint[complaintId] = consumerId;
        }

        return await ForConsumerAsync(consumerId, cancellationToken);
    }

    /// <summary>Records whose a complaint is (the row was read anyway), saving the look-up of <see cref="ForComplaintAsync"/>.</summary>
    public void Remember(Guid complaintId, Guid consumerId) => _consumerOfComplaint[complaintId] = consumerId;

    /// <summary>Records whose a complaint is with the consumer's wrapped key, read with the complaint in the same round trip
    /// (StoredComplaint.LoadForCommandAsync), saving both look-ups.</summary>
    public void Remember(Guid complaintId, Guid consumerId, string? wrappedKey)
    {
        Remember(complaintId, consumerId);
        KeepWrapped(consumerId, wrappedKey);
    }

    /// <summary>Forgets a consumer's key (erased in this request: what follows must see it destroyed).</summary>
    public void Forget(Guid consumerId)
    {
        _wrappedKeys.Remove(consumerId);
        if (_byConsumer.Remove(consumerId, out var cipher))
        {
            cipher.Dispose();
        }
    }

    public void Dispose()
    {
        foreach (var cipher in _byConsumer.Values)
        {
            cipher.Dispose();
        }

        _byConsumer.Clear();
    }
}
