using System.Security.Cryptography;
using System.Text;

namespace Cms.Infrastructure.Crypto;

/// <summary>AES-256-GCM with a random 96-bit nonce: sealed = nonce (12) | ciphertext | tag (16).</summary>
internal static class Aead
{
    public const int KeySize = 32;
    private const int NonceSize = 12;
    private const int TagSize = 16;

    public static byte[] NewKey() => RandomNumberGenerator.GetBytes(KeySize);

    public static byte[] Seal(ReadOnlySpan<byte> key, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData)
    {
        using var aes = Keyed(key);
        return Seal(aes, plaintext, associatedData);
    }

    /// <summary>A cipher keyed once, for sealing or opening several values under one key (a consumer's fields): the key
    /// schedule is computed once instead of per value. Not thread-safe; dispose it when done.</summary>
    public static AesGcm Keyed(ReadOnlySpan<byte> key) => new(key, TagSize);

    /// <summary>Seals with a cipher from <see cref="Keyed"/>: a fresh random nonce, then ciphertext and tag (the same
    /// format as the key overload).</summary>
    public static byte[] Seal(AesGcm aes, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData)
    {
        var sealedBytes = new byte[NonceSize + plaintext.Length + TagSize];
        var nonce = sealedBytes.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        aes.Encrypt(nonce, plaintext, sealedBytes.AsSpan(NonceSize, plaintext.Length), sealedBytes.AsSpan(NonceSize + plaintext.Length), associatedData);
        return sealedBytes;
    }

    public static byte[] Open(ReadOnlySpan<byte> key, ReadOnlySpan<byte> sealedBytes, ReadOnlySpan<byte> associatedData)
    {
        using var aes = Keyed(key);
        return Open(aes, sealedBytes, associatedData);
    }

    /// <summary>Opens with a cipher from <see cref="Keyed"/>.</summary>
    public static byte[] Open(AesGcm aes, ReadOnlySpan<byte> sealedBytes, ReadOnlySpan<byte> associatedData)
    {
        if (sealedBytes.Length < NonceSize + TagSize)
        {
            throw new CryptographicException("The sealed value is too short.");
        }

        var length = sealedBytes.Length - NonceSize - TagSize;
        var plaintext = new byte[length];
        aes.Decrypt(sealedBytes[..NonceSize], sealedBytes.Slice(NonceSize, length), sealedBytes[(NonceSize + length)..], plaintext, associatedData);
        return plaintext;
    }

    public static byte[] Utf8(string value) => Encoding.UTF8.GetBytes(value);
}
