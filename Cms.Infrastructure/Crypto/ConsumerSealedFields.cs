using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Cms.Infrastructure.Crypto;

/// <summary>
/// A consumer's seven personal fields sealed together (docs/adr/0024-consumer-fields-sealed-together.md): one AES-256-GCM
/// value under the consumer's data key, stored in consumers.sealed_fields as "v2:" + base64(nonce | ciphertext | tag),
/// associated data "cms|{tenant}|consumers|sealed_fields|{consumer}". The plaintext is the fields in the order of
/// <see cref="ConsumerColumns"/> (external_ref, full_name, email, phone, address, date_of_birth, vulnerability), each a
/// 32-bit big-endian byte length (-1: absent) then its UTF-8 bytes. One seal a consumer instead of one a field: OpenSSL's
/// cost is per call, not per byte (five calls a seal), and it was most of what sealing cost the bulk import. Rows written
/// before keep one "v1:" value a column (<see cref="ConsumerKeyring.Decrypt(AesGcm, Guid, Guid, string, string?)"/>).
/// </summary>
internal static class ConsumerSealedFields
{
    public const string Prefix = "v2:";
    public const string Column = "sealed_fields";
    public const int Count = ConsumerColumns.SealedFields;

    private const int Absent = -1;

    /// <summary>The stored form of the fields (exactly <see cref="Count"/>, in the documented order) under a fresh nonce.
    /// The plaintext's bytes live only in a scratch buffer, wiped after.</summary>
    public static string Seal(AesGcm cipher, ReadOnlySpan<byte> nonce, Guid tenantId, Guid consumerId, ReadOnlySpan<string?> fields)
    {
        if (fields.Length != Count)
        {
            throw new ArgumentException($"A consumer has {Count} sealed fields.", nameof(fields));
        }

        var plainLength = 0;
        foreach (var field in fields)
        {
            plainLength += sizeof(int) + (field is null ? 0 : Encoding.UTF8.GetByteCount(field));
        }

        const int OnStack = 2048;
        var sealedLength = Aead.SealedLength(plainLength);
        var rented = plainLength + sealedLength > OnStack ? ArrayPool<byte>.Shared.Rent(plainLength + sealedLength) : null;
        var scratch = rented is null ? stackalloc byte[OnStack] : rented;
        var plain = scratch[..plainLength];
        try
        {
            var at = 0;
            foreach (var field in fields)
            {
                var written = field is null ? 0 : Encoding.UTF8.GetBytes(field, plain[(at + sizeof(int))..]);
                BinaryPrimitives.WriteInt32BigEndian(plain[at..], field is null ? Absent : written);
                at += sizeof(int) + written;
            }

            Span<byte> associatedData = stackalloc byte[ConsumerKeyring.MaxAssociatedData];
            var sealedBytes = scratch.Slice(plainLength, sealedLength);
            Aead.Seal(cipher, nonce, plain, associatedData[..AssociatedData(associatedData, tenantId, consumerId)], sealedBytes);
            return ConsumerKeyring.Stored(Prefix, sealedBytes);
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

    /// <summary>The fields sealed by <see cref="Seal"/>, in the documented order. Throws <see cref="CryptographicException"/>
    /// for a value that does not authenticate (moved from another consumer or tenant, tampered) or is not well formed.</summary>
    public static string?[] Open(AesGcm cipher, Guid tenantId, Guid consumerId, string stored)
    {
        if (!stored.StartsWith(Prefix, StringComparison.Ordinal))
        {
            throw new CryptographicException("A consumer's sealed fields are not in a known format.");
        }

        Span<byte> associatedData = stackalloc byte[ConsumerKeyring.MaxAssociatedData];
        var plain = Aead.Open(cipher, Convert.FromBase64String(stored[Prefix.Length..]),
            associatedData[..AssociatedData(associatedData, tenantId, consumerId)]);
        try
        {
            var fields = new string?[Count];
            var at = 0;
            for (var i = 0; i < Count; i++)
            {
                if (plain.Length - at < sizeof(int))
                {
                    throw new CryptographicException("A consumer's sealed fields are truncated.");
                }

                var length = BinaryPrimitives.ReadInt32BigEndian(plain.AsSpan(at));
                at += sizeof(int);
                if (length == Absent)
                {
                    continue;
                }

                if (length < 0 || length > plain.Length - at)
                {
                    throw new CryptographicException("A consumer's sealed fields are truncated.");
                }

                fields[i] = Encoding.UTF8.GetString(plain, at, length);
                at += length;
            }

            return at == plain.Length ? fields : throw new CryptographicException("A consumer's sealed fields have trailing bytes.");
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plain);
        }
    }

    private static int AssociatedData(Span<byte> destination, Guid tenantId, Guid consumerId) =>
        ConsumerKeyring.FieldAssociatedData(destination, tenantId, ConsumerKeyring.ConsumersTable, consumerId, Column);
}
