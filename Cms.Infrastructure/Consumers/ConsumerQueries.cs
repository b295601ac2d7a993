using System.Text;
using Cms.Application.Abstractions;
using Cms.Application.Common;
using Cms.Application.Consumers;
using Cms.Domain.Consumers;
using Cms.Infrastructure.Crypto;
using Cms.Infrastructure.Persistence;

namespace Cms.Infrastructure.Consumers;

internal sealed class ConsumerQueries(QuerySession db, TenantScope scope, ConsumerSealing sealing) : IConsumerQueries
{
    public async Task<ConsumerDto?> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        var row = await db.QuerySingleOrDefaultAsync<ConsumerRow>(
            $"{ConsumerRow.SelectFrom} WHERE c.tenant_id = @TenantId AND c.id = @Id",
            new { TenantId = scope.Required, Id = id }, cancellationToken);
        return row is null ? null : (await sealing.OpenAsync(row, cancellationToken)).ToDto();
    }

    public ConsumerDto AsWritten(Consumer consumer)
    {
        var stored = StoredInstants.Of(db.Current);
        if (consumer.ErasedAt is { } erasedAt)
        {
            return new ConsumerDto(consumer.Id, null, null, null, null, null, null, null, consumer.LegalHold, stored(consumer.CreatedAt),
                stored(consumer.UpdatedAt), consumer.Version, stored(erasedAt));
        }

        var (contact, vulnerability) = (consumer.Contact, consumer.Vulnerability);
        return new ConsumerDto(consumer.Id, consumer.ExternalRef, contact.FullName, contact.Email, contact.Phone,
            contact.Address is { } a ? new AddressDto(a.Lines, a.City, a.Postcode, a.Country) : null, consumer.DateOfBirth,
            new VulnerabilityDto([.. vulnerability.Drivers.Order()], vulnerability.ConsentRecorded), consumer.LegalHold,
            stored(consumer.CreatedAt), stored(consumer.UpdatedAt), consumer.Version);
    }

    /// <summary>Exact match through the blind indexes: the lookup values are normalised and HMAC'd with the tenant's
    /// blind-index key, never compared in plaintext.</summary>
    public async Task<Page<ConsumerDto>> FindAsync(string? externalRef, string? email, string? phone, int limit, CursorKey? after,
        CancellationToken cancellationToken)
    {
        var externalRefIndex = await sealing.LookupIndexAsync(ConsumerColumns.ExternalRef, ConsumerColumns.NormaliseExternalRef(externalRef), cancellationToken);
        var emailIndex = await sealing.LookupIndexAsync(ConsumerColumns.Email, ConsumerColumns.NormaliseEmail(email), cancellationToken);
        var phoneIndex = await sealing.LookupIndexAsync(ConsumerColumns.Phone, ConsumerColumns.NormalisePhone(phone), cancellationToken);
        if ((externalRef is not null && externalRefIndex is null) || (email is not null && emailIndex is null)
            || (phone is not null && phoneIndex is null) || (externalRef is null && email is null && phone is null))
        {
            return Cursor.ToPage(new List<ConsumerDto>(), limit, c => new CursorKey(null, c.Id));
        }

        var sql = new StringBuilder($"{ConsumerRow.SelectFrom} WHERE c.tenant_id = @TenantId");
        if (externalRefIndex is not null)
        {
            sql.Append(" AND c.external_ref_bidx = @ExternalRefIndex");
        }

        if (emailIndex is not null)
        {
            sql.Append(" AND c.email_bidx = @EmailIndex");
        }

        if (phoneIndex is not null)
        {
            sql.Append(" AND c.phone_bidx = @PhoneIndex");
        }

        if (after is not null)
        {
            sql.Append(" AND c.id > @AfterId");
        }

        sql.Append(" ORDER BY c.id LIMIT @Take");
        var rows = await db.QueryAsync<ConsumerRow>(sql.ToString(), new
        {
            TenantId = scope.Required,
            ExternalRefIndex = externalRefIndex ?? "",
            EmailIndex = emailIndex ?? "",
            PhoneIndex = phoneIndex ?? "",
            AfterId = after?.Id ?? Guid.Empty,
            Take = limit + 1,
        }, cancellationToken);
        var plain = await sealing.OpenAllAsync(rows, cancellationToken);
        return Cursor.ToPage([.. plain.Select(r => r.ToDto())], limit, c => new CursorKey(null, c.Id));
    }
}
