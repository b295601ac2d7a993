using Cms.Api;
using Cms.Infrastructure.Persistence;
using Microsoft.Extensions.Configuration;

namespace Cms.Tests.Privacy;

/// <summary>Where the master keys come from: configuration, a development default on SQLite only, never a silent default on PostgreSQL.</summary>
public sealed class MasterKeyConfigurationTests
{
    private static readonly string KeyOne = Convert.ToBase64String(new byte[32]);
    private static readonly string KeyTwo = Convert.ToBase64String(Enumerable.Repeat((byte)7, 32).ToArray());

    private static IConfiguration Config(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))).Build();

    private static DatabaseOptions Provider(DatabaseProvider provider) => new() { Provider = provider };

    [Test]
    public void PostgreSQL_without_a_master_key_stops_start_up_with_a_clear_message()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => CmsApi.LoadMasterKeys(Config(), Provider(DatabaseProvider.Postgres)));
        Assert.That(ex!.Message, Does.Contain("Cms:Crypto:MasterKeys").And.Contain("PostgreSQL"));
    }

    [Test]
    public void SQLite_without_a_master_key_uses_the_development_key()
    {
        var keys = CmsApi.LoadMasterKeys(Config(), Provider(DatabaseProvider.Sqlite));
        Assert.That(keys.ActiveVersion, Is.EqualTo(CmsApi.DevelopmentMasterKeyVersion));
    }

    [Test]
    public void The_active_version_is_the_configured_one_and_keys_round_trip()
    {
        var keys = CmsApi.LoadMasterKeys(Config(("Cms:Crypto:MasterKeys:1", KeyOne), ("Cms:Crypto:MasterKeys:2", KeyTwo),
            ("Cms:Crypto:ActiveMasterKeyVersion", "2")), Provider(DatabaseProvider.Postgres));
        var tenantKey = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
        var wrapped = keys.Wrap("2", tenantKey, "ad"u8);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(keys.ActiveVersion, Is.EqualTo("2"));
            Assert.That(keys.Unwrap("2", wrapped, "ad"u8), Is.EqualTo(tenantKey));
            Assert.That(() => keys.Unwrap("1", wrapped, "ad"u8), Throws.InstanceOf<System.Security.Cryptography.CryptographicException>());
            Assert.That(() => keys.Unwrap("2", wrapped, "other"u8), Throws.InstanceOf<System.Security.Cryptography.CryptographicException>());
            Assert.That(keys.ToString(), Does.Not.Contain(KeyTwo));
        }
    }

    [TestCase("not base64!")]
    [TestCase("AAAA")]
    public void A_malformed_master_key_stops_start_up(string value) =>
        Assert.Throws<InvalidOperationException>(() =>
            CmsApi.LoadMasterKeys(Config(("Cms:Crypto:MasterKeys:1", value)), Provider(DatabaseProvider.Postgres)));

    [Test]
    public void Several_versions_need_an_active_one_that_exists()
    {
        var pg = Provider(DatabaseProvider.Postgres);
        Assert.Throws<InvalidOperationException>(() =>
            CmsApi.LoadMasterKeys(Config(("Cms:Crypto:MasterKeys:1", KeyOne), ("Cms:Crypto:MasterKeys:2", KeyTwo)), pg));
        Assert.Throws<InvalidOperationException>(() =>
            CmsApi.LoadMasterKeys(Config(("Cms:Crypto:MasterKeys:1", KeyOne), ("Cms:Crypto:ActiveMasterKeyVersion", "9")), pg));
    }
}
