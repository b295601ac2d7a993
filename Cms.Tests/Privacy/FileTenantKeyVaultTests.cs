using System.Security.Cryptography;
using Cms.Infrastructure.Crypto;

namespace Cms.Tests.Privacy;

/// <summary>
/// The file-system tenant key vault (docs/adr/0021-tenant-keys-outside-the-database.md) on a real directory: one 0600
/// file per tenant in a 0700 directory, sealed under the master key, the same key for every instance that races to create
/// it, kept across a restart, re-sealed after a master-key rotation, and gone for good once destroyed.
/// </summary>
public sealed class FileTenantKeyVaultTests
{
    private static readonly ConfiguredMasterKeyProvider MasterOne = Master(("1", 1));
    private static readonly byte[] AssociatedData = "cms|test|tenant_keys|1"u8.ToArray();

    private string _directory = null!;

    [SetUp]
    public void CreateDirectory() => _directory = Path.Combine(Path.GetTempPath(), "cms-tests", $"vault-{Guid.NewGuid():N}");

    [TearDown]
    public void RemoveDirectory()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Test]
    public async Task An_entry_is_one_private_file_sealed_under_the_master_key_and_survives_a_restart()
    {
        var tenant = Guid.NewGuid();
        var vault = new FileTenantKeyVault(_directory, MasterOne);
        await vault.CreateAsync(tenant, CancellationToken.None);
        var secret = RandomNumberGenerator.GetBytes(32);
        var wrapped = await vault.WrapAsync(tenant, secret, AssociatedData, CancellationToken.None);
        await vault.CreateAsync(tenant, CancellationToken.None); // idempotent: the same key

        var file = Path.Combine(_directory, $"{tenant:N}.key");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Directory.GetFiles(_directory).Select(Path.GetFileName), Is.EqualTo(new[] { $"{tenant:N}.key" }), "no temporary file is left");
            if (!OperatingSystem.IsWindows())
            {
                Assert.That(File.GetUnixFileMode(file), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
                Assert.That(File.GetUnixFileMode(_directory), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute));
            }
        }

        var restarted = new FileTenantKeyVault(_directory, MasterOne);
        Assert.That(await restarted.UnwrapAsync(tenant, wrapped, AssociatedData, CancellationToken.None), Is.EqualTo(secret));
        Assert.That(() => restarted.UnwrapAsync(tenant, wrapped, "cms|other|tenant_keys|1"u8.ToArray(), CancellationToken.None),
            Throws.InstanceOf<CryptographicException>(), "bound to its associated data");
        var otherMaster = new FileTenantKeyVault(_directory, Master(("1", 2)));
        Assert.That(() => otherMaster.UnwrapAsync(tenant, wrapped, AssociatedData, CancellationToken.None),
            Throws.InstanceOf<CryptographicException>(), "the file opens only with the master key");
    }

    [Test]
    public async Task Instances_that_create_a_tenants_entry_at_once_all_end_with_the_same_key()
    {
        var tenant = Guid.NewGuid();
        var instances = Enumerable.Range(0, 6).Select(_ => new FileTenantKeyVault(_directory, MasterOne)).ToList();
        await Task.WhenAll(instances.Select(v => Task.Run(() => v.CreateAsync(tenant, CancellationToken.None))));

        var secret = RandomNumberGenerator.GetBytes(32);
        var wrapped = await instances[0].WrapAsync(tenant, secret, AssociatedData, CancellationToken.None);
        foreach (var instance in instances)
        {
            Assert.That(await instance.UnwrapAsync(tenant, wrapped, AssociatedData, CancellationToken.None), Is.EqualTo(secret));
        }

        Assert.That(Directory.GetFiles(_directory), Has.Length.EqualTo(1), "one file, no temporary file left");
    }

    [Test]
    public async Task A_destroyed_entry_opens_nothing_and_is_never_created_again_while_other_tenants_are_untouched()
    {
        var (tenant, other) = (Guid.NewGuid(), Guid.NewGuid());
        var vault = new FileTenantKeyVault(_directory, MasterOne);
        await vault.CreateAsync(tenant, CancellationToken.None);
        await vault.CreateAsync(other, CancellationToken.None);
        var secret = RandomNumberGenerator.GetBytes(32);
        var wrapped = await vault.WrapAsync(tenant, secret, AssociatedData, CancellationToken.None);
        var otherWrapped = await vault.WrapAsync(other, secret, AssociatedData, CancellationToken.None);

        await vault.DestroyAsync(tenant, CancellationToken.None);
        await vault.DestroyAsync(tenant, CancellationToken.None); // idempotent (a resumed offboarding)

        var restarted = new FileTenantKeyVault(_directory, MasterOne);
        await Assert.ThrowsAsync<TenantKeyDestroyedException>(() => restarted.UnwrapAsync(tenant, wrapped, AssociatedData, CancellationToken.None));
        await Assert.ThrowsAsync<TenantKeyDestroyedException>(() => restarted.CreateAsync(tenant, CancellationToken.None));
        Assert.That(File.Exists(Path.Combine(_directory, $"{tenant:N}.key")), Is.False);
        Assert.That(await restarted.UnwrapAsync(other, otherWrapped, AssociatedData, CancellationToken.None), Is.EqualTo(secret));
    }

    [Test]
    public async Task After_a_master_key_rotation_entries_are_resealed_and_open_with_the_new_version_alone()
    {
        var (tenant, destroyed) = (Guid.NewGuid(), Guid.NewGuid());
        var before = new FileTenantKeyVault(_directory, MasterOne);
        await before.CreateAsync(tenant, CancellationToken.None);
        await before.CreateAsync(destroyed, CancellationToken.None);
        await before.DestroyAsync(destroyed, CancellationToken.None);
        var secret = RandomNumberGenerator.GetBytes(32);
        var wrapped = await before.WrapAsync(tenant, secret, AssociatedData, CancellationToken.None);

        var rotating = new FileTenantKeyVault(_directory, new ConfiguredMasterKeyProvider(
            new Dictionary<string, byte[]> { ["1"] = Key(1), ["2"] = Key(2) }, "2"));
        Assert.That(await rotating.ResealUnderActiveMasterKeyAsync(CancellationToken.None), Is.EqualTo(1));
        Assert.That(await rotating.ResealUnderActiveMasterKeyAsync(CancellationToken.None), Is.Zero);

        var rotated = new FileTenantKeyVault(_directory, Master(("2", 2)));
        Assert.That(await rotated.UnwrapAsync(tenant, wrapped, AssociatedData, CancellationToken.None), Is.EqualTo(secret));
        Assert.That(File.Exists(Path.Combine(_directory, $"{destroyed:N}.key")), Is.False, "a destroyed entry is not brought back");
    }

    [Test]
    public void A_cached_tenant_key_is_dropped_once_its_lifetime_has_passed()
    {
        var cache = new TenantKeyCache(new TenantKeyVaultOptions { KeyCacheLifetime = TimeSpan.FromMilliseconds(50) });
        var tenant = Guid.NewGuid();
        cache.Put(tenant, new TenantKeyMaterial(1, RandomNumberGenerator.GetBytes(32)), current: true);
        Assert.That(cache.TryGetCurrent(tenant, out _), Is.True);

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (cache.TryGetCurrent(tenant, out _))
        {
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), "the key outlived its lifetime");
            Thread.Sleep(20);
        }

        Assert.That(cache.TryGet(tenant, 1, out _), Is.False);
    }

    private static byte[] Key(byte fill) => Enumerable.Repeat(fill, 32).ToArray();

    private static ConfiguredMasterKeyProvider Master((string Version, byte Fill) key) =>
        new(new Dictionary<string, byte[]> { [key.Version] = Key(key.Fill) }, key.Version);
}
