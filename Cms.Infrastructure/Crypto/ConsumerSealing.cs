using System.Security.Cryptography;
using Cms.Domain.Common;
using Cms.Domain.Consumers;
using Cms.Infrastructure.Consumers;

namespace Cms.Infrastructure.Crypto;

/// <summary>Column names as bound into the associated data and the blind indexes.</summary>
internal static class ConsumerColumns
{
    public const string ExternalRef = "external_ref";
    public const string FullName = "full_name";
    public const string Email = "email";
    public const string Phone = "phone";
    public const string Address = "address";
    public const string DateOfBirth = "date_of_birth";
    public const string Vulnerability = "vulnerability";

    public static string? NormaliseEmail(string? email) => string.IsNullOrWhiteSpace(email) ? null : Text.NormaliseEmail(email);

    public static string? NormalisePhone(string? phone) => string.IsNullOrWhiteSpace(phone) ? null : Text.NormalisePhone(phone);

    /// <summary>How many of the columns above are sealed (all seven; the blind indexes are HMACs, not ciphertext).</summary>
    public const int SealedFields = 7;

    public static string? NormaliseExternalRef(string? externalRef) => string.IsNullOrWhiteSpace(externalRef) ? null : externalRef.Trim();
}

/// <summary>
/// Seals consumers of one tenant, one or many in a row (the single insert and update, the bulk import): the tenant-key
/// cipher that wraps each new consumer's data key and the blind-index HMAC are keyed once, and the randomness (data keys
/// and nonces) is drawn from the system CSPRNG in blocks instead of one call per value. Profiling the import showed
/// OpenSSL's per-call overhead (algorithm fetches, locks, error-queue clearing), not AES itself, as most of the cost of
/// sealing; hence also a consumer's seven fields sealed together (<see cref="ConsumerSealedFields"/>, ADR 0024). Not
/// thread-safe: the bulk import uses one sealer per worker thread. Dispose it: the randomness not yet used (future data
/// keys among it) is wiped.
/// </summary>
internal sealed class ConsumerSealer : IDisposable
{
    // What one consumer takes: a data key, the nonce that wraps it and the nonce of its sealed fields.
    private const int RandomPerConsumer = Aead.KeySize + 2 * Aead.NonceSize;
    private const int MaxBlockConsumers = 64;

    private readonly TenantKeyMaterial _tenantKey;
    private readonly Guid _tenantId;
    private readonly AesGcm _keyWrap;
    private readonly IncrementalHash _blindIndex;
    private readonly byte[] _random;
    private int _next;

    /// <param name="tenantKey">The tenant's current key.</param>
    /// <param name="tenantId">The tenant in scope (every consumer sealed must be of it).</param>
    /// <param name="consumers">About how many consumers this sealer will seal (sizes the block of randomness).</param>
    public ConsumerSealer(TenantKeyMaterial tenantKey, Guid tenantId, int consumers = 1)
    {
        _tenantKey = tenantKey;
        _tenantId = tenantId;
        _keyWrap = Aead.Keyed(tenantKey.Key);
        _blindIndex = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, tenantKey.BlindIndexKey);
        _random = new byte[RandomPerConsumer * Math.Clamp(consumers, 1, MaxBlockConsumers)];
        _next = _random.Length;
    }

    /// <summary>A new consumer: a fresh data key, its wrapped form for consumer_keys, and the row sealed with it.</summary>
    public (ConsumerRow Row, string WrappedKey) SealNew(Consumer consumer)
    {
        Span<byte> dataKey = stackalloc byte[Aead.KeySize];
        Span<byte> nonce = stackalloc byte[Aead.NonceSize];
        Take(dataKey);
        Take(nonce);
        try
        {
            var wrapped = ConsumerKeyring.WrapConsumerKey(_keyWrap, _tenantKey, nonce, dataKey, _tenantId, consumer.Id);
            return (Seal(consumer, dataKey), wrapped);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
        }
    }

    /// <summary>The consumers row (ciphertext under fresh nonces, and blind indexes) for <paramref name="consumer"/>, sealed
    /// with its data key: the parameters of the single insert and update, and the values the bulk import copies.</summary>
    public ConsumerRow Seal(Consumer consumer, ReadOnlySpan<byte> dataKey)
    {
        if (consumer.TenantId != _tenantId)
        {
            throw new InvalidOperationException("A consumer of another tenant cannot be sealed with this tenant's keys.");
        }

        if (consumer.IsErased)
        {
            return ConsumerSealing.Erased(consumer);
        }

        // The seven fields in one seal under the consumer's data key (ADR 0024): one nonce, one tag, one OpenSSL
        // sequence, where one a field took seven; the seven columns of the old format stay NULL.
        using var cipher = Aead.Keyed(dataKey);
        Span<byte> nonce = stackalloc byte[Aead.NonceSize];
        Take(nonce);
        var sealedFields = ConsumerSealedFields.Seal(cipher, nonce, consumer.TenantId, consumer.Id,
        [
            consumer.ExternalRef, consumer.Contact.FullName, consumer.Contact.Email, consumer.Contact.Phone,
            ConsumerPlain.FormatAddress(consumer.Contact.Address), ConsumerPlain.FormatDateOfBirth(consumer.DateOfBirth),
            ConsumerPlain.FormatVulnerability(consumer.Vulnerability),
        ]);

        return new ConsumerRow
        {
            TenantId = consumer.TenantId,
            Id = consumer.Id,
            SealedFields = sealedFields,
            ExternalRefBidx = BlindIndex(ConsumerColumns.ExternalRef, ConsumerColumns.NormaliseExternalRef(consumer.ExternalRef)),
            EmailBidx = BlindIndex(ConsumerColumns.Email, ConsumerColumns.NormaliseEmail(consumer.Contact.Email)),
            PhoneBidx = BlindIndex(ConsumerColumns.Phone, ConsumerColumns.NormalisePhone(consumer.Contact.Phone)),
            LegalHold = consumer.LegalHold,
            ErasedAt = consumer.ErasedAt,
            CreatedAt = consumer.CreatedAt,
            UpdatedAt = consumer.UpdatedAt,
            Version = consumer.Version,
        };
    }

    /// <summary>The blind index of a normalised value under the tenant's blind-index key.</summary>
    public string? BlindIndex(string column, string? normalised) => ConsumerKeyring.BlindIndex(_blindIndex, column, normalised);

    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(_random);
        _keyWrap.Dispose();
        _blindIndex.Dispose();
    }

    // The next unused bytes of the block, wiped where they were taken (a data key is never left behind in the block);
    // a new block when this one is used up.
    private void Take(Span<byte> destination)
    {
        if (_next + destination.Length > _random.Length)
        {
            RandomNumberGenerator.Fill(_random);
            _next = 0;
        }

        var taken = _random.AsSpan(_next, destination.Length);
        taken.CopyTo(destination);
        CryptographicOperations.ZeroMemory(taken);
        _next += destination.Length;
    }
}

/// <summary>Turns sealed rows back into plaintext with the tenant's keys, and computes blind indexes for lookups.</summary>
internal sealed class ConsumerSealing(ConsumerKeyring keys)
{
    /// <summary>The parameters of an erased consumer: no ciphertext, no blind index.</summary>
    public static ConsumerRow Erased(Consumer consumer) => new()
    {
        TenantId = consumer.TenantId,
        Id = consumer.Id,
        LegalHold = consumer.LegalHold,
        ErasedAt = consumer.ErasedAt,
        CreatedAt = consumer.CreatedAt,
        UpdatedAt = consumer.UpdatedAt,
        Version = consumer.Version,
    };

    /// <summary>Decrypts a row. Throws <see cref="CryptographicException"/> when any field fails to authenticate (moved or
    /// tampered ciphertext): the caller gets a 500 without details, never someone else's data.</summary>
    public async Task<ConsumerPlain> OpenAsync(ConsumerRow row, CancellationToken cancellationToken)
    {
        if (row.ErasedAt is not null)
        {
            return new ConsumerPlain(row, null, null, null, null, null, null, null);
        }

        if (row.WrappedKey is null)
        {
            throw new CryptographicException("A consumer that is not erased has no data key.");
        }

        var dataKey = await keys.UnwrapConsumerKeyAsync(row.Id, row.WrappedKey, cancellationToken);
        try
        {
            using var cipher = Aead.Keyed(dataKey);
            if (row.SealedFields is not null)
            {
                var fields = ConsumerSealedFields.Open(cipher, row.TenantId, row.Id, row.SealedFields);
                return new ConsumerPlain(row, fields[0], fields[1], fields[2], fields[3], fields[4], fields[5], fields[6]);
            }

            // A row sealed before ADR 0024: one value a column.
            string? Open(string column, string? value) => ConsumerKeyring.Decrypt(cipher, row.TenantId, row.Id, column, value);

            return new ConsumerPlain(row,
                Open(ConsumerColumns.ExternalRef, row.ExternalRef),
                Open(ConsumerColumns.FullName, row.FullName),
                Open(ConsumerColumns.Email, row.Email),
                Open(ConsumerColumns.Phone, row.Phone),
                Open(ConsumerColumns.Address, row.Address),
                Open(ConsumerColumns.DateOfBirth, row.DateOfBirth),
                Open(ConsumerColumns.Vulnerability, row.Vulnerability));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
        }
    }

    public async Task<IReadOnlyList<ConsumerPlain>> OpenAllAsync(IEnumerable<ConsumerRow> rows, CancellationToken cancellationToken)
    {
        var result = new List<ConsumerPlain>();
        foreach (var row in rows)
        {
            result.Add(await OpenAsync(row, cancellationToken));
        }

        return result;
    }

    /// <summary>The blind index of a lookup value in the tenant in scope; null when the tenant has no key (so no consumer).</summary>
    public async Task<string?> LookupIndexAsync(string column, string? normalised, CancellationToken cancellationToken)
    {
        if (normalised is null)
        {
            return null;
        }

        var tenantKey = await keys.CurrentTenantKeyAsync(create: false, cancellationToken);
        return tenantKey is null ? null : ConsumerKeyring.BlindIndex(tenantKey, column, normalised);
    }
}
