using System.Security.Cryptography;
using System.Text;

namespace Cms.Infrastructure.Crypto;

/// <summary>AES-256-GCM with a random 96-bit nonce: sealed = nonce (12) | ciphertext | tag (16).</summary>
internal static class Aead
{
    public const int KeySize = 32;
    public const int NonceSize = 12;
    private const int TagSize = 16;

    /// <summary>The length of a sealed value (nonce | ciphertext | tag) for a plaintext of <paramref name="plaintextLength"/> bytes.</summary>
    public static int SealedLength(int plaintextLength) => NonceSize + plaintextLength + TagSize;

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
        var sealedBytes = new byte[SealedLength(plaintext.Length)];
        Span<byte> nonce = stackalloc byte[NonceSize];
        RandomNumberGenerator.Fill(nonce);
        Seal(aes, nonce, plaintext, associatedData, sealedBytes);
        return sealedBytes;
    }

    /// <summary>Seals into <paramref name="sealedBytes"/> (exactly <see cref="SealedLength"/> bytes) under a nonce the
    /// caller drew fresh from the system CSPRNG and uses once (<see cref="ConsumerSealer"/> draws them in blocks).</summary>
    public static void Seal(AesGcm aes, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData,
        Span<byte> sealedBytes)
    {
        if (nonce.Length != NonceSize || sealedBytes.Length != SealedLength(plaintext.Length))
        {
            throw new ArgumentException("The nonce or the output has the wrong length.");
        }

        nonce.CopyTo(sealedBytes);
        aes.Encrypt(nonce, plaintext, sealedBytes.Slice(NonceSize, plaintext.Length), sealedBytes[(NonceSize + plaintext.Length)..], associatedData);
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
