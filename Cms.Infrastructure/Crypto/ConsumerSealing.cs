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

/// <summary>Turns consumers into sealed row parameters and sealed rows back into plaintext, with the tenant's keys.</summary>
internal sealed class ConsumerSealing(ConsumerKeyring keys)
{
    /// <summary>The parameters of a consumers row (ciphertext and blind indexes) for <paramref name="consumer"/>.</summary>
    public static object Parameters(Consumer consumer, byte[] dataKey, TenantKeyMaterial tenantKey)
    {
        string? Seal(string column, string? value) => ConsumerKeyring.Encrypt(dataKey, consumer.TenantId, consumer.Id, column, value);

        if (consumer.IsErased)
        {
            return Erased(consumer);
        }

        return new
        {
            consumer.TenantId,
            consumer.Id,
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
            consumer.LegalHold,
            consumer.ErasedAt,
            consumer.CreatedAt,
            consumer.UpdatedAt,
            consumer.Version,
        };
    }

    /// <summary>The parameters of an erased consumer: no ciphertext, no blind index.</summary>
    public static object Erased(Consumer consumer) => new
    {
        consumer.TenantId,
        consumer.Id,
        ExternalRef = (string?)null,
        ExternalRefBidx = (string?)null,
        FullName = (string?)null,
        Email = (string?)null,
        EmailBidx = (string?)null,
        Phone = (string?)null,
        PhoneBidx = (string?)null,
        Address = (string?)null,
        DateOfBirth = (string?)null,
        Vulnerability = (string?)null,
        consumer.LegalHold,
        consumer.ErasedAt,
        consumer.CreatedAt,
        consumer.UpdatedAt,
        consumer.Version,
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
            string? Open(string column, string? value) => ConsumerKeyring.Decrypt(dataKey, row.TenantId, row.Id, column, value);

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
