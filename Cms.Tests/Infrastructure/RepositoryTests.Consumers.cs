using System.Security.Cryptography;
using Cms.Application.Abstractions;
using Cms.Application.Consumers;
using Cms.Domain.Common;
using Cms.Domain.Consumers;
using Cms.Infrastructure.Consumers;
using Cms.Infrastructure.Crypto;
using Cms.Infrastructure.Persistence;

namespace Cms.Tests.Infrastructure;

public sealed partial class RepositoryTests
{
    /// <summary>
    /// ADR 0024: consumers sealed before it hold one "v1:" value a column and no sealed_fields; they stay readable, an
    /// update rewrites them sealed together (the old columns cleared), and a value sealed together does not open as
    /// another consumer's.
    /// </summary>
    [Test]
    public async Task A_consumer_sealed_field_by_field_stays_readable_and_is_sealed_together_when_next_written()
    {
        var tenantId = await CreateTenantAsync();
        var created = Odd(DateTimeOffset.UtcNow.AddMinutes(-30));
        var consumer = Consumer.Register(Ids.New(), tenantId, "OLD-1",
            new ContactDetails("Old Format", "old.format@example.test", "+44 20 7946 0001",
                new PostalAddress(["2 Low Road"], "Leeds", "LS1 1AA", "GB")),
            new DateOnly(1975, 6, 30), new Vulnerability(new HashSet<VulnerabilityDriver> { VulnerabilityDriver.Resilience }, true), created);
        var other = Consumer.Register(Ids.New(), tenantId, "OLD-2", new ContactDetails("Someone Else", null, null, null), null,
            Vulnerability.None, created);
        await InTenantAsync(tenantId, async sp =>
        {
            await Get<IConsumerRepository>(sp).AddAsync(consumer, Ct);
            await Get<IConsumerRepository>(sp).AddAsync(other, Ct);
        });
        Assert.That(await StoredAsync(tenantId, consumer.Id), Is.EqualTo(("v2:", (string?)null)), "written sealed together");

        // The row as the service wrote it before ADR 0024, sealed field by field under the consumer's data key.
        await InTenantAsync(tenantId, async sp =>
        {
            var db = Get<DbSession>(sp);
            var wrapped = await db.ExecuteScalarAsync<string>(
                "SELECT wrapped_key FROM consumer_keys WHERE tenant_id = @TenantId AND consumer_id = @Id", new { TenantId = tenantId, consumer.Id }, Ct);
            var dataKey = await Get<ConsumerKeyring>(sp).UnwrapConsumerKeyAsync(consumer.Id, wrapped!, Ct);
            using var cipher = new AesGcm(dataKey, 16);
            string V1(string column, string? value) =>
                ConsumerKeyring.Encrypt(cipher, RandomNumberGenerator.GetBytes(12), tenantId, consumer.Id, column, value!);
            await db.ExecuteAsync(
                """
                UPDATE consumers SET external_ref = @ExternalRef, full_name = @FullName, email = @Email, phone = @Phone, address = @Address,
                    date_of_birth = @DateOfBirth, vulnerability = @Vulnerability, sealed_fields = NULL
                WHERE tenant_id = @TenantId AND id = @Id
                """,
                new
                {
                    TenantId = tenantId,
                    consumer.Id,
                    ExternalRef = V1("external_ref", consumer.ExternalRef),
                    FullName = V1("full_name", consumer.Contact.FullName),
                    Email = V1("email", consumer.Contact.Email),
                    Phone = V1("phone", consumer.Contact.Phone),
                    Address = V1("address", ConsumerPlain.FormatAddress(consumer.Contact.Address)),
                    DateOfBirth = V1("date_of_birth", ConsumerPlain.FormatDateOfBirth(consumer.DateOfBirth)),
                    Vulnerability = V1("vulnerability", ConsumerPlain.FormatVulnerability(consumer.Vulnerability)),
                }, Ct);
        });
        Assert.That(await StoredAsync(tenantId, consumer.Id), Is.EqualTo((null as string, "v1:")), "the old format");

        var old = await InTenantAsync(tenantId, sp => Get<IConsumerQueries>(sp).GetAsync(consumer.Id, Ct), commit: false);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(old!.ExternalRef, Is.EqualTo("OLD-1"));
            Assert.That(old.FullName, Is.EqualTo("Old Format"));
            Assert.That(old.Email, Is.EqualTo("old.format@example.test"));
            Assert.That(old.Phone, Is.EqualTo(consumer.Contact.Phone));
            Assert.That(old.Address!.City, Is.EqualTo("Leeds"));
            Assert.That(old.DateOfBirth, Is.EqualTo(new DateOnly(1975, 6, 30)));
            Assert.That(old.Vulnerability!.Drivers, Is.EqualTo(new[] { VulnerabilityDriver.Resilience }));
        }

        await InTenantAsync(tenantId, async sp =>
        {
            var repository = Get<IConsumerRepository>(sp);
            var loaded = (await repository.GetForUpdateAsync(consumer.Id, Ct))!;
            var version = loaded.Version;
            Assert.That(loaded.UpdateContactDetails("New Name", null, null, null, null, DateTimeOffset.UtcNow), Is.EqualTo(new[] { "fullName" }));
            Assert.That(await repository.UpdateAsync(loaded, version, Ct), Is.True);
        });
        Assert.That(await StoredAsync(tenantId, consumer.Id), Is.EqualTo(("v2:", (string?)null)), "rewritten sealed together");
        var reread = await InTenantAsync(tenantId, sp => Get<IConsumerRepository>(sp).GetAsync(consumer.Id, Ct), commit: false);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(reread!.Contact.FullName, Is.EqualTo("New Name"));
            Assert.That(reread.ExternalRef, Is.EqualTo("OLD-1"));
            Assert.That(reread.Contact.Address!.Lines, Is.EqualTo(new[] { "2 Low Road" }));
            Assert.That(reread.Contact.Email, Is.EqualTo("old.format@example.test"));
            Assert.That(reread.DateOfBirth, Is.EqualTo(consumer.DateOfBirth));
            Assert.That(reread.Vulnerability.Drivers, Is.EquivalentTo(consumer.Vulnerability.Drivers));
        }

        // Sealed together for one consumer, the value does not open as another's (the associated data names the row).
        await InTenantAsync(tenantId, sp => Get<DbSession>(sp).ExecuteAsync(
            "UPDATE consumers SET sealed_fields = (SELECT sealed_fields FROM consumers WHERE tenant_id = @TenantId AND id = @From) WHERE tenant_id = @TenantId AND id = @To",
            new { TenantId = tenantId, From = consumer.Id, To = other.Id }, Ct));
        await Assert.ThatAsync(
            () => InTenantAsync(tenantId, sp => Get<IConsumerRepository>(sp).GetAsync(other.Id, Ct), commit: false),
            Throws.InstanceOf<CryptographicException>());
    }

    /// <summary>The prefix of sealed_fields and of full_name as stored (null where the column is NULL).</summary>
    private async Task<(string? SealedFields, string? FullName)> StoredAsync(Guid tenantId, Guid consumerId)
    {
        var row = await InTenantAsync(tenantId, sp => Get<DbSession>(sp).QuerySingleOrDefaultAsync<ConsumerRow>(
            $"SELECT {ConsumerRow.Map.ColumnsOf("c")} FROM consumers c WHERE c.tenant_id = @TenantId AND c.id = @Id",
            new { TenantId = tenantId, Id = consumerId }, Ct), commit: false);
        return (row!.SealedFields?[..3], row.FullName?[..3]);
    }
}
