using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Unicode;
using Cms.Application.Abstractions;
using Cms.Infrastructure.Persistence;

namespace Cms.Infrastructure.Crypto;

/// <summary>
/// Envelope keys of the consumers of the tenant in scope (security.md 10–12): master key (configuration or KMS) and the
/// tenant's key in the tenant key vault (outside the database) → tenant key (tenant_keys, wrapped by both, created on the
/// tenant's first consumer; <see cref="TenantKeyWrapping"/>) → one data key per consumer (consumer_keys; destroyed
/// at erasure) → the consumer's fields (AES-256-GCM, associated data binding tenant, table, column and row id).
/// </summary>
internal sealed class ConsumerKeyring(DbSession db, TenantScope scope, TenantKeyWrapping wrapping, TenantKeyCache cache, TimeProvider clock)
{
    /// <summary>The stored form of a field: key-version prefix, then base64 of nonce | ciphertext | tag.</summary>
    public const string FieldPrefix = "v1:";

    private const int FirstTenantKeyVersion = 1;

    /// <summary>The tenant's current key; created (and stored wrapped) when <paramref name="create"/> and there is none.</summary>
    public async Task<TenantKeyMaterial?> CurrentTenantKeyAsync(bool create, CancellationToken cancellationToken)
    {
        var tenantId = scope.Required;
        if (cache.TryGetCurrent(tenantId, out var cached))
        {
            return cached;
        }

        var row = await ReadTenantKeyAsync(null, cancellationToken);
        if (row is null && create)
        {
            var key = Aead.NewKey();
            try
            {
                var wrapped = await wrapping.WrapAsync(tenantId, FirstTenantKeyVersion, key, cancellationToken);
                await db.ExecuteAsync(
                    """
                    INSERT INTO tenant_keys (tenant_id, version, wrapped_key, master_key_version, created_at)
                    VALUES (@TenantId, @Version, @WrappedKey, @MasterKeyVersion, @CreatedAt)
                    ON CONFLICT (tenant_id, version) DO NOTHING
                    """,
                    new
                    {
                        TenantId = tenantId,
                        Version = FirstTenantKeyVersion,
                        WrappedKey = wrapped.Stored,
                        wrapped.MasterKeyVersion,
                        CreatedAt = clock.GetUtcNow(),
                    },
                    cancellationToken);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(key);
            }

            // A concurrent first consumer may have won the insert: read whichever key is stored.
            // Not cached: this transaction may still roll back, and a key that was never stored must not be served.
            row = await ReadTenantKeyAsync(null, cancellationToken);
            return row is null ? null : await UnwrapAsync(row, current: true, cacheIt: false, cancellationToken);
        }

        return row is null ? null : await UnwrapAsync(row, current: true, cacheIt: true, cancellationToken);
    }

    public async Task<TenantKeyMaterial> TenantKeyAsync(int version, CancellationToken cancellationToken)
    {
        var tenantId = scope.Required;
        if (cache.TryGet(tenantId, version, out var cached))
        {
            return cached;
        }

        var row = await ReadTenantKeyAsync(version, cancellationToken)
            ?? throw new CryptographicException("A consumer key names a tenant key version that does not exist.");
        return await UnwrapAsync(row, current: false, cacheIt: true, cancellationToken);
    }

    /// <summary>A sealer for the consumers of the tenant in scope, under its current key (created on the tenant's first
    /// consumer when <paramref name="create"/>); null when the tenant has no key and none is created.</summary>
    public async Task<ConsumerSealer?> SealerAsync(bool create, int consumers, CancellationToken cancellationToken)
    {
        var tenantKey = await CurrentTenantKeyAsync(create, cancellationToken);
        return tenantKey is null ? null : new ConsumerSealer(tenantKey, scope.Required, consumers);
    }

    /// <summary>A consumer's data key wrapped with the tenant key under a fresh nonce: the stored form in consumer_keys.</summary>
    public static string WrapConsumerKey(AesGcm tenantKeyCipher, TenantKeyMaterial tenantKey, ReadOnlySpan<byte> nonce,
        ReadOnlySpan<byte> dataKey, Guid tenantId, Guid consumerId)
    {
        Span<byte> wrapped = stackalloc byte[Aead.SealedLength(Aead.KeySize)];
        Span<byte> associatedData = stackalloc byte[MaxAssociatedData];
        Aead.Seal(tenantKeyCipher, nonce, dataKey, associatedData[..ConsumerKeyAssociatedData(associatedData, tenantId, consumerId)], wrapped);
        return Stored(string.Create(CultureInfo.InvariantCulture, $"t{tenantKey.Version}:"), wrapped);
    }

    /// <summary>Unwraps a consumer's data key as stored in consumer_keys.</summary>
    public async Task<byte[]> UnwrapConsumerKeyAsync(Guid consumerId, string wrapped, CancellationToken cancellationToken)
    {
        var separator = wrapped.IndexOf(':', StringComparison.Ordinal);
        if (separator < 2 || wrapped[0] != 't'
            || !int.TryParse(wrapped.AsSpan(1, separator - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var version))
        {
            throw new CryptographicException("A consumer key is not in a known format.");
        }

        var tenantKey = await TenantKeyAsync(version, cancellationToken);
        return Aead.Open(tenantKey.Key, Convert.FromBase64String(wrapped[(separator + 1)..]), ConsumerKeyAssociatedData(scope.Required, consumerId));
    }

    /// <summary>Seals one field with the consumer's data key, as a cipher keyed once for all the consumer's fields
    /// (<see cref="Aead.Keyed"/>), under a fresh nonce. The plaintext's bytes live only in a scratch buffer, wiped after.</summary>
    public static string Encrypt(AesGcm fieldCipher, ReadOnlySpan<byte> nonce, Guid tenantId, Guid consumerId, string column, string plaintext) =>
        Encrypt(fieldCipher, nonce, tenantId, ConsumersTable, consumerId, column, plaintext);

    /// <summary>Seals one value of a row of <paramref name="table"/> under a consumer's data key (free text about the consumer:
    /// complaint descriptions, notes; docs/adr/0013-free-text-sealing.md): the associated data binds tenant, table, column and
    /// that row's id, so the value moved to another row, column, table or tenant does not open.</summary>
    public static string Encrypt(AesGcm fieldCipher, ReadOnlySpan<byte> nonce, Guid tenantId, string table, Guid rowId, string column,
        string plaintext)
    {
        const int OnStack = 1024;
        var plainLength = Encoding.UTF8.GetByteCount(plaintext);
        var sealedLength = Aead.SealedLength(plainLength);
        var rented = plainLength + sealedLength > OnStack ? ArrayPool<byte>.Shared.Rent(plainLength + sealedLength) : null;
        var scratch = rented is null ? stackalloc byte[OnStack] : rented;
        var plain = scratch[..plainLength];
        try
        {
            Encoding.UTF8.GetBytes(plaintext, plain);
            Span<byte> associatedData = stackalloc byte[MaxAssociatedData];
            var sealedBytes = scratch.Slice(plainLength, sealedLength);
            Aead.Seal(fieldCipher, nonce, plain, associatedData[..FieldAssociatedData(associatedData, tenantId, table, rowId, column)], sealedBytes);
            return Stored(FieldPrefix, sealedBytes);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plain);
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>Opens one field sealed by <c>Encrypt</c>, with a cipher keyed with the consumer's data key.</summary>
    public static string? Decrypt(AesGcm fieldCipher, Guid tenantId, Guid consumerId, string column, string? stored) =>
        Decrypt(fieldCipher, tenantId, ConsumersTable, consumerId, column, stored);

    /// <summary>Opens one value sealed by the table-naming <see cref="Encrypt(AesGcm, ReadOnlySpan{byte}, Guid, string, Guid, string, string)"/>.</summary>
    public static string? Decrypt(AesGcm fieldCipher, Guid tenantId, string table, Guid rowId, string column, string? stored)
    {
        if (stored is null)
        {
            return null;
        }

        if (!stored.StartsWith(FieldPrefix, StringComparison.Ordinal))
        {
            throw new CryptographicException("A consumer field is not in a known format.");
        }

        Span<byte> associatedData = stackalloc byte[MaxAssociatedData];
        return Encoding.UTF8.GetString(Aead.Open(fieldCipher, Convert.FromBase64String(stored[FieldPrefix.Length..]),
            associatedData[..FieldAssociatedData(associatedData, tenantId, table, rowId, column)]));
    }

    /// <summary>The blind index of a normalised value: HMAC-SHA-256 under the tenant's blind-index key, per column, as
    /// lowercase hex (one lookup; <see cref="ConsumerSealer"/> keeps one HMAC keyed for many).</summary>
    public static string? BlindIndex(TenantKeyMaterial tenantKey, string column, string? normalised)
    {
        if (normalised is null)
        {
            return null;
        }

        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, tenantKey.BlindIndexKey);
        return BlindIndex(hmac, column, normalised);
    }

    /// <summary>The blind index with an HMAC already keyed with the tenant's blind-index key (left reset for the next).</summary>
    public static string? BlindIndex(IncrementalHash blindIndexHmac, string column, string? normalised)
    {
        if (normalised is null)
        {
            return null;
        }

        // "<column>\n<value>" as UTF-8, on the stack for the usual short value (no string or array per index).
        const int OnStack = 512;
        var length = Encoding.UTF8.GetByteCount(column) + 1 + Encoding.UTF8.GetByteCount(normalised);
        var rented = length > OnStack ? ArrayPool<byte>.Shared.Rent(length) : null;
        var input = (rented is null ? stackalloc byte[OnStack] : rented)[..length];
        try
        {
            var written = Encoding.UTF8.GetBytes(column, input);
            input[written++] = (byte)'\n';
            Encoding.UTF8.GetBytes(normalised, input[written..]);
            blindIndexHmac.AppendData(input);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }

        Span<byte> mac = stackalloc byte[SHA256.HashSizeInBytes];
        blindIndexHmac.GetHashAndReset(mac);
        return Convert.ToHexStringLower(mac);
    }

    /// <summary><paramref name="prefix"/> then the base64 of <paramref name="sealedBytes"/>, as one string (no
    /// intermediate base64 string per value).</summary>
    internal static string Stored(string prefix, ReadOnlySpan<byte> sealedBytes)
    {
        const int OnStack = 1024;
        var length = prefix.Length + ((sealedBytes.Length + 2) / 3 * 4);
        var rented = length > OnStack ? ArrayPool<char>.Shared.Rent(length) : null;
        var chars = (rented is null ? stackalloc char[OnStack] : rented)[..length];
        try
        {
            prefix.CopyTo(chars);
            if (!Convert.TryToBase64Chars(sealedBytes, chars[prefix.Length..], out _))
            {
                throw new InvalidOperationException("The base64 buffer is too small.");
            }

            return new string(chars);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<char>.Shared.Return(rented);
            }
        }
    }

    internal const string ConsumersTable = "consumers";

    // "cms|<tenant>|<table>|<column>|<row id>": two GUIDs (36 each), the longest table and column names and the separators fit.
    internal const int MaxAssociatedData = 160;

    internal static int FieldAssociatedData(Span<byte> destination, Guid tenantId, string table, Guid rowId, string column) =>
        Utf8.TryWrite(destination, CultureInfo.InvariantCulture, $"cms|{tenantId:D}|{table}|{column}|{rowId:D}", out var written)
            ? written
            : throw new ArgumentException("The table or column name is too long for the associated data.", nameof(column));

    private static byte[] ConsumerKeyAssociatedData(Guid tenantId, Guid consumerId)
    {
        Span<byte> associatedData = stackalloc byte[MaxAssociatedData];
        return associatedData[..ConsumerKeyAssociatedData(associatedData, tenantId, consumerId)].ToArray();
    }

    private static int ConsumerKeyAssociatedData(Span<byte> destination, Guid tenantId, Guid consumerId) =>
        Utf8.TryWrite(destination, CultureInfo.InvariantCulture, $"cms|{tenantId:D}|consumer_keys|{consumerId:D}", out var written)
            ? written
            : throw new ArgumentException("The associated data does not fit.", nameof(destination));

    private Task<TenantKeyRow?> ReadTenantKeyAsync(int? version, CancellationToken cancellationToken) =>
        db.QuerySingleOrDefaultAsync<TenantKeyRow>(
            version is null
                ? $"SELECT {TenantKeyRow.Columns} FROM tenant_keys WHERE tenant_id = @TenantId ORDER BY version DESC LIMIT 1"
                : $"SELECT {TenantKeyRow.Columns} FROM tenant_keys WHERE tenant_id = @TenantId AND version = @Version",
            new { TenantId = scope.Required, Version = version ?? 0 }, cancellationToken);

    private async Task<TenantKeyMaterial> UnwrapAsync(TenantKeyRow row, bool current, bool cacheIt, CancellationToken cancellationToken)
    {
        var material = new TenantKeyMaterial(row.Version, await wrapping.UnwrapAsync(row, cancellationToken));
        if (cacheIt)
        {
            cache.Put(row.TenantId, material, current);
        }

        return material;
    }
}
