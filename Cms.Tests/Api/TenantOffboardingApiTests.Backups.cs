using System.Net;
using Cms.Application.Consumers;
using Cms.Domain.Staff;
using Cms.Infrastructure.Crypto;
using Cms.Infrastructure.Persistence;
using Cms.Tests.Support;
using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Cms.Tests.Api;

/// <summary>
/// Crypto-shred with backups (docs/adr/0021-tenant-keys-outside-the-database.md): a copy of the database taken before the
/// deletion, with the master key, opens nothing of the deleted tenant once its tenant key vault entry is gone, on every
/// instance and after a restart, while other tenants' data in the same copy still opens; a tenant key from before the
/// vault is converted by rewrap-tenant-keys and then shredded like any other.
/// </summary>
public sealed partial class TenantOffboardingApiTests
{
    /// <summary>One consumer of a backup: its tenant's stored key, its own wrapped data key and its sealed full name.</summary>
    private sealed record BackedUpConsumer(Guid TenantId, int Version, string WrappedKey, Guid ConsumerId, string ConsumerKey, string SealedFields);

    private static readonly byte[] MasterKeyBytes = Convert.FromBase64String(CmsApiFactory.MasterKey);

    [Test]
    public async Task A_backup_taken_before_the_deletion_opens_nothing_of_the_tenant_afterwards_and_other_tenants_still_open()
    {
        var tenant = await SeededTenantAsync();
        var other = await SeededTenantAsync("Other Bank");
        var (otherAdmin, _) = await other.AddStaffAsync(Role.TenantAdmin);
        var backup = await BackupAsync();
        Assert.That(backup.Select(b => b.TenantId), Is.EquivalentTo(new[] { tenant.Id, tenant.Id, other.Id, other.Id }));
        Assert.That(backup.Select(OpenFullName), Is.All.EqualTo("Jane Consumer"), "the backup opens while the tenant lives");
        var copy = Kind == DatabaseKind.Sqlite ? CopySqliteFile() : null;

        // The second instance has the tenant's key in its cache.
        var onSecond = backup.First(b => b.TenantId == tenant.Id);
        Assert.That((await ReadConsumerAsync(_second, tenant.Id, onSecond.ConsumerId))?.FullName, Is.EqualTo("Jane Consumer"));
        Assert.That(_second.Services.GetRequiredService<TenantKeyCache>().TryGet(tenant.Id, 1, out _), Is.True);

        await SuspendAsync(tenant.Id);
        await SettleAsync(tenant.Id);
        await ExportAsync(tenant.Id);
        await Expect(await Platform.DeleteAsync($"/v1/tenants/{tenant.Id}"), HttpStatusCode.Accepted);
        await WaitCompletedAsync(tenant.Id);

        Assert.That(File.Exists(Path.Combine(Db.KeyVaultDirectory, $"{tenant.Id:N}.key")), Is.False, "the vault entry is gone");
        Assert.That(File.Exists(Path.Combine(Db.KeyVaultDirectory, $"{other.Id:N}.key")), Is.True, "the other tenant's entry stays");
        foreach (var row in backup)
        {
            Assert.That(OpenFullName(row), Is.EqualTo(row.TenantId == tenant.Id ? null : "Jane Consumer"),
                "the backup with the master key and the vault: the deleted tenant opens nowhere, the other tenant opens");
            foreach (var instance in new[] { Factory, _second })
            {
                var wrapping = instance.Services.GetRequiredService<TenantKeyWrapping>();
                var stored = new TenantKeyRow { TenantId = row.TenantId, Version = row.Version, WrappedKey = row.WrappedKey, MasterKeyVersion = "1" };
                if (row.TenantId == tenant.Id)
                {
                    await Assert.ThrowsAsync<TenantKeyDestroyedException>(() => wrapping.UnwrapAsync(stored, CancellationToken.None));
                }
                else
                {
                    Assert.That(await wrapping.UnwrapAsync(stored, CancellationToken.None), Has.Length.EqualTo(32));
                }
            }
        }

        // The second instance forgets the key within its cache lifetime (2 s here), with no message from the first.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (_second.Services.GetRequiredService<TenantKeyCache>().TryGet(tenant.Id, 1, out _))
        {
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), "the second instance kept the destroyed tenant's key");
            await Task.Delay(100);
        }

        // A restart: the other tenant reads as before, from the same vault.
        var otherConsumer = backup.First(b => b.TenantId == other.Id).ConsumerId;
        await using (var restarted = new CmsApiFactory(Db, Settings))
        {
            using var client = restarted.ClientWithToken(CmsApiFactory.TenantToken(other.Id, otherAdmin.Subject));
            Assert.That((await Read<ConsumerDto>(await client.GetAsync($"/v1/consumers/{otherConsumer}"))).FullName, Is.EqualTo("Jane Consumer"));
        }

        if (copy is not null)
        {
            // The SQLite file restored as it was before the deletion, served with the master key and the live vault.
            await using var restored = new CmsApiFactory(Db, new Dictionary<string, string>(Settings)
            {
                ["Cms:Database:ConnectionString"] = $"Data Source={copy}",
                ["Cms:Crypto:TenantKeyVault:Directory"] = Db.KeyVaultDirectory,
            });
            await Assert.ThrowsAsync<TenantKeyDestroyedException>(() => ReadConsumerAsync(restored, tenant.Id, onSecond.ConsumerId));
            Assert.That((await ReadConsumerAsync(restored, other.Id, otherConsumer))?.FullName, Is.EqualTo("Jane Consumer"));
        }
    }

    [Test]
    public async Task A_tenant_key_from_before_the_vault_opens_until_rewrapped_into_it_and_is_then_shredded_with_its_backups()
    {
        var tenant = await SeededTenantAsync();
        var current = (await BackupAsync()).First();
        var tenantKey = TenantKeyLayout.Open(MasterKeyBytes, Db.KeyVaultDirectory, tenant.Id, 1, current.WrappedKey)!;

        // The tenant as it was before the vault: its key wrapped by the master key only, no vault entry.
        await using (var connection = Db.OpenPrivileged())
        {
            await connection.ExecuteAsync("UPDATE tenant_keys SET wrapped_key = @Legacy WHERE tenant_id = @TenantId",
                new { Legacy = TenantKeyLayout.LegacyWrap(MasterKeyBytes, tenant.Id, 1, tenantKey), TenantId = tenant.Id });
        }

        File.Delete(Path.Combine(Db.KeyVaultDirectory, $"{tenant.Id:N}.key"));
        ForgetCachedKeys();
        Assert.That((await Read<ConsumerDto>(await tenant.Admin.GetAsync($"/v1/consumers/{current.ConsumerId}"))).FullName, Is.EqualTo("Jane Consumer"),
            "a key from before the vault still opens");
        var legacyBackup = await BackupAsync();

        var rotation = Factory.Services.GetRequiredService<MasterKeyRotation>();
        Assert.That(await rotation.RewrapTenantKeysAsync(CancellationToken.None), Is.EqualTo(new TenantKeyRewrap(1, 0, 0)));
        Assert.That(await rotation.RewrapTenantKeysAsync(CancellationToken.None), Is.EqualTo(new TenantKeyRewrap(0, 0, 0)), "nothing left to convert");
        var rewrapped = (await BackupAsync()).First();
        Assert.That(rewrapped.WrappedKey, Does.StartWith("vault:"));
        Assert.That(TenantKeyLayout.Open(MasterKeyBytes, Db.KeyVaultDirectory, tenant.Id, 1, rewrapped.WrappedKey), Is.EqualTo(tenantKey),
            "the same tenant key, now behind the vault");
        ForgetCachedKeys();
        Assert.That((await Read<ConsumerDto>(await tenant.Admin.GetAsync($"/v1/consumers/{current.ConsumerId}"))).FullName, Is.EqualTo("Jane Consumer"));
        var backup = await BackupAsync();

        await SuspendAsync(tenant.Id);
        await SettleAsync(tenant.Id);
        await ExportAsync(tenant.Id);
        await Expect(await Platform.DeleteAsync($"/v1/tenants/{tenant.Id}"), HttpStatusCode.Accepted);
        await WaitCompletedAsync(tenant.Id);

        Assert.That(backup.Select(OpenFullName), Is.All.Null, "a backup taken after the rewrap opens nothing");
        Assert.That(legacyBackup.Select(OpenFullName), Is.All.EqualTo("Jane Consumer"),
            "a backup taken before the rewrap needs only the master key: retire that master key version (docs/security.md)");
    }

    /// <summary>Every consumer with its keys, read past row-level security: what a copy of the database holds.</summary>
    private async Task<List<BackedUpConsumer>> BackupAsync()
    {
        await using var connection = Db.OpenPrivileged();
        var rows = await connection.QueryAsync<(string, string, string, string, string, string)>(
            """
            SELECT CAST(k.tenant_id AS text), CAST(k.version AS text), k.wrapped_key, CAST(c.id AS text), ck.wrapped_key, c.sealed_fields
            FROM tenant_keys k
            JOIN consumers c ON c.tenant_id = k.tenant_id
            JOIN consumer_keys ck ON ck.tenant_id = c.tenant_id AND ck.consumer_id = c.id
            """);
        return [.. rows.Select(r => new BackedUpConsumer(Guid.Parse(r.Item1), int.Parse(r.Item2, System.Globalization.CultureInfo.InvariantCulture),
            r.Item3, Guid.Parse(r.Item4), r.Item5, r.Item6))];
    }

    /// <summary>The consumer's full name from a backup, the master key and the live vault (null: its vault entry is gone).</summary>
    private string? OpenFullName(BackedUpConsumer row)
    {
        var tenantKey = TenantKeyLayout.Open(MasterKeyBytes, Db.KeyVaultDirectory, row.TenantId, row.Version, row.WrappedKey);
        if (tenantKey is null)
        {
            return null;
        }

        var dataKey = TenantKeyLayout.Open(tenantKey, Convert.FromBase64String(row.ConsumerKey[(row.ConsumerKey.IndexOf(':', StringComparison.Ordinal) + 1)..]),
            $"cms|{row.TenantId:D}|consumer_keys|{row.ConsumerId:D}");
        return TenantKeyLayout.OpenConsumerFields(dataKey, row.SealedFields, row.TenantId, row.ConsumerId)["full_name"];
    }

    private static Task<ConsumerDto?> ReadConsumerAsync(CmsApiFactory instance, Guid tenantId, Guid consumerId) =>
        instance.Services.GetRequiredService<TenantWork>().RunAsync(tenantId,
            (services, token) => services.GetRequiredService<IConsumerQueries>().GetAsync(consumerId, token), CancellationToken.None, commit: false);

    private void ForgetCachedKeys()
    {
        Factory.Services.GetRequiredService<TenantKeyCache>().Clear();
        _second.Services.GetRequiredService<TenantKeyCache>().Clear();
    }

    /// <summary>A consistent copy of the SQLite database file (the online backup API), beside the vault, not in it.</summary>
    private string CopySqliteFile()
    {
        var copy = Path.Combine(Path.GetDirectoryName(Db.KeyVaultDirectory)!, $"backup-{Guid.NewGuid():N}.db");
        using var source = (SqliteConnection)Db.OpenPrivileged();
        using var destination = new SqliteConnection($"Data Source={copy}");
        source.BackupDatabase(destination);
        return copy;
    }
}
