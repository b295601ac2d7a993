using System.Net;
using System.Text.Json;
using Cms.Tests.Support;

namespace Cms.Tests.Privacy;

/// <summary>
/// Readiness covers the tenant key vault: while its directory cannot take a new key (here: the path is a file, which
/// stops root too), the instance answers 503 and names the vault, instead of a 500 at the next tenant's first consumer;
/// once the directory is back it is ready again.
/// </summary>
[TestFixture(DatabaseKind.Sqlite)]
[TestFixture(DatabaseKind.Postgres)]
public sealed class TenantKeyVaultReadinessTests(DatabaseKind kind) : ApiTestBase(kind)
{
    private static async Task<(HttpStatusCode Code, string? Status)> ReadinessAsync(HttpClient anonymous)
    {
        using var answer = await anonymous.GetAsync("/health/ready");
        using var body = JsonDocument.Parse(await answer.Content.ReadAsStringAsync());
        return (answer.StatusCode, body.RootElement.GetProperty("checks").GetProperty("tenant_key_vault").GetProperty("status").GetString());
    }

    [Test]
    public async Task An_instance_whose_key_vault_cannot_take_a_key_is_not_ready_until_it_can()
    {
        var anonymous = Factory.CreateClient();
        Assert.That(await ReadinessAsync(anonymous), Is.EqualTo((HttpStatusCode.OK, "Healthy")));

        var directory = Db.KeyVaultDirectory;
        var aside = directory + ".aside";
        Directory.Move(directory, aside);
        try
        {
            await File.WriteAllTextAsync(directory, "not a directory");
            Assert.That(await ReadinessAsync(anonymous), Is.EqualTo((HttpStatusCode.ServiceUnavailable, "Unhealthy")));
        }
        finally
        {
            File.Delete(directory);
            Directory.Move(aside, directory);
        }

        Assert.That(await ReadinessAsync(anonymous), Is.EqualTo((HttpStatusCode.OK, "Healthy")));
    }
}
