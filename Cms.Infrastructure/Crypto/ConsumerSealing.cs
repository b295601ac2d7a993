using System.Security.Cryptography;
using Cms.Domain.Common;
using Cms.Domain.Consumers;
using Cms.Infrastructure.Persistence;

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

    public static string? NormaliseExternalRef(string? externalRef) => string.IsNullOrWhiteSpace(externalRef) ? null : externalRef.Trim();
}

/// <summary>A consumers row as stored: ciphertext fields and blind indexes (property names are the SQL parameter names).</summary>
internal sealed class SealedConsumer
{
    public Guid TenantId { get; init; }
    public Guid Id { get; init; }
    public string? ExternalRef { get; init; }
    public string? ExternalRefBidx { get; init; }
    public string? FullName { get; init; }
    public string? Email { get; init; }
    public string? EmailBidx { get; init; }
    public string? Phone { get; init; }
    public string? PhoneBidx { get; init; }
    public string? Address { get; init; }
    public string? DateOfBirth { get; init; }
    public string? Vulnerability { get; init; }
    public bool LegalHold { get; init; }
    public DateTimeOffset? ErasedAt { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
    public long Version { get; init; }
}

/// <summary>Turns consumers into sealed row parameters and sealed rows back into plaintext, with the tenant's keys.</summary>
internal sealed class ConsumerSealing(ConsumerKeyring keys)
{
    /// <summary>The consumers row (ciphertext and blind indexes) for <paramref name="consumer"/>: the parameters of the
    /// single insert and update, and the values the bulk import copies. Thread-safe (no shared state): the bulk import
    /// seals many consumers in parallel.</summary>
    public static SealedConsumer Parameters(Consumer consumer, byte[] dataKey, TenantKeyMaterial tenantKey)
    {
        if (consumer.IsErased)
        {
            return Erased(consumer);
        }

        // One cipher keyed with the consumer's data key for all seven fields (the key schedule once, not per field).
        using var cipher = Aead.Keyed(dataKey);
        string? Seal(string column, string? value) => ConsumerKeyring.Encrypt(cipher, consumer.TenantId, consumer.Id, column, value);

        return new SealedConsumer
        {
            TenantId = consumer.TenantId,
            Id = consumer.Id,
            ExternalRef = Seal(ConsumerColumns.ExternalRef, consumer.ExternalRef),
            ExternalRefBidx = ConsumerKeyring.BlindIndex(tenantKey, ConsumerColumns.ExternalRef, ConsumerColumns.NormaliseExternalRef(consumer.ExternalRef)),
            FullName = Seal(ConsumerColumns.FullName, consumer.Contact.FullName),
            Email = Seal(ConsumerColumns.Email, consumer.Contact.Email),
            EmailBidx = ConsumerKeyring.BlindIndex(tenantKey, ConsumerColumns.Email, ConsumerColumns.NormaliseEmail(consumer.Contact.Email)),
            Phone = Seal(ConsumerColumns.Phone, consumer.Contact.Phone),
            PhoneBidx = ConsumerKeyring.BlindIndex(tenantKey, ConsumerColumns.Phone, ConsumerColumns.NormalisePhone(consumer.Contact.Phone)),
            Address = Seal(ConsumerColumns.Address, ConsumerPlain.FormatAddress(consumer.Contact.Address)),
            DateOfBirth = Seal(ConsumerColumns.DateOfBirth, ConsumerPlain.FormatDateOfBirth(consumer.DateOfBirth)),
            Vulnerability = Seal(ConsumerColumns.Vulnerability, ConsumerPlain.FormatVulnerability(consumer.Vulnerability)),
            LegalHold = consumer.LegalHold,
            ErasedAt = consumer.ErasedAt,
            CreatedAt = consumer.CreatedAt,
            UpdatedAt = consumer.UpdatedAt,
            Version = consumer.Version,
        };
    }

    /// <summary>The parameters of an erased consumer: no ciphertext, no blind index.</summary>
    public static SealedConsumer Erased(Consumer consumer) => new()
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
