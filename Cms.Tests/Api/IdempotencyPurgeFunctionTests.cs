using System.Net;
using Cms.Tests.Support;
using Npgsql;

namespace Cms.Tests.Api;

/// <summary>
/// PostgreSQL: cms_app holds no DELETE; the owner's purge functions delete only keys that have expired by the SERVER's
/// clock, only those of the transaction's tenant (forced row-level security applies to the owner too), and nothing a
/// caller passes can widen that (security issue: a caller-supplied "now" of 'infinity' deleted unexpired keys).
/// </summary>
[TestFixture]
public sealed class IdempotencyPurgeFunctionTests() : ApiTestBase(DatabaseKind.Postgres)
{
    [Test]
    public async Task The_purge_function_removes_only_expired_keys_of_the_callers_tenant()
    {
        var a = await CreateTenantAsync("Tenant A");
        var b = await CreateTenantAsync("Tenant B");
        var keyA = await FileConsumerAsync(a, "EXT-A");
        var keyB = await FileConsumerAsync(b, "EXT-B");
        var freshB = await FileConsumerAsync(b, "EXT-B2");

        Assert.That(await PurgeAsAppAsync(b.Id, "SELECT purge_expired_idempotency_keys(100)"), Is.Zero, "nothing has expired yet");

        await ExpireAsync("idempotency_keys", keyA, keyB);
        Assert.That(await PurgeAsAppAsync(b.Id, "SELECT purge_expired_idempotency_keys(100)"), Is.EqualTo(1), "B's expired key, never A's");
        Assert.Multiple(async () =>
        {
            Assert.That(await CountKeyAsync("idempotency_keys", keyA), Is.EqualTo(1), "A's expired key stays (another tenant)");
            Assert.That(await CountKeyAsync("idempotency_keys", keyB), Is.Zero);
            Assert.That(await CountKeyAsync("idempotency_keys", freshB), Is.EqualTo(1), "B's unexpired key stays");
        });
    }

    [Test]
    public async Task A_caller_cannot_widen_what_the_purge_functions_delete()
    {
        var tenant = await CreateTenantAsync("Tenant W");
        var key = await FileConsumerAsync(tenant, "EXT-W");
        var platformKey = Idempotent.NewKey();
        await Expect(await Idempotent.PostAsync(Platform, "/v1/tenants", new
        {
            name = "Widen Bank",
            sector = "banking",
            jurisdiction = "UK",
            admin = new { subject = $"admin-{Guid.NewGuid():N}", email = "admin@example.test", displayName = "Admin" },
        }, platformKey), HttpStatusCode.Created);

        // Whatever "now" and batch a caller passes, in every form the functions were ever callable with.
        foreach (var call in new[]
                 {
                     "SELECT purge_expired_idempotency_keys('infinity'::timestamptz, 2147483647)",
                     "SELECT purge_expired_platform_idempotency_keys('infinity'::timestamptz, 2147483647)",
                     "SELECT purge_expired_idempotency_keys(2147483647)",
                     "SELECT purge_expired_platform_idempotency_keys(2147483647)",
                 })
        {
            try
            {
                await PurgeAsAppAsync(tenant.Id, call);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedFunction)
            {
                // That signature no longer exists: nothing to widen.
            }
        }

        Assert.Multiple(async () =>
        {
            Assert.That(await CountKeyAsync("idempotency_keys", key), Is.EqualTo(1), "an unexpired tenant key stays");
            Assert.That(await CountKeyAsync("platform_idempotency_keys", platformKey), Is.EqualTo(1), "an unexpired platform key stays");
        });

        // The catalogue rule behind it: no owner's function that cms_app may run takes a time from its caller.
        var timeTaking = await Idempotent.CountAsync(Db, """
            SELECT count(*) FROM pg_proc p
            WHERE p.prosecdef AND p.pronamespace = 'public'::regnamespace
              AND has_function_privilege('cms_app', p.oid, 'EXECUTE')
              AND EXISTS (SELECT 1 FROM unnest(p.proargtypes::oid[]) t
                          WHERE t IN ('timestamptz'::regtype, 'timestamp'::regtype, 'date'::regtype, 'interval'::regtype))
            """);
        Assert.That(timeTaking, Is.Zero, "a SECURITY DEFINER function granted to cms_app takes a time argument");
    }

    private async Task<string> FileConsumerAsync(TestTenant tenant, string externalRef)
    {
        var key = Idempotent.NewKey();
        await Expect(await Idempotent.PostAsync(tenant.Admin, "/v1/consumers", Idempotent.Consumer(externalRef), key), HttpStatusCode.Created);
        return key;
    }

    /// <summary>Runs <paramref name="sql"/> as cms_app in a transaction of <paramref name="tenantId"/>, committed.</summary>
    private async Task<int> PurgeAsAppAsync(Guid tenantId, string sql)
    {
        await using var app = ((PostgresTestDatabase)Db).OpenApp();
        await using var transaction = await app.BeginTransactionAsync();
        await using (var set = new NpgsqlCommand($"SET LOCAL app.tenant_id = '{tenantId:D}'", app, transaction))
        {
            await set.ExecuteNonQueryAsync();
        }

        await using var purge = new NpgsqlCommand(sql, app, transaction);
        var purged = Convert.ToInt32(await purge.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
        await transaction.CommitAsync();
        return purged;
    }

    /// <summary>Expires keys as time would: expires_at back to their creation instant.</summary>
    private async Task ExpireAsync(string table, params string[] keys)
    {
        await using var connection = Db.OpenPrivileged();
        await using var update = connection.CreateCommand();
        update.CommandText = $"UPDATE {table} SET expires_at = created_at WHERE idem_key IN ({string.Join(", ", keys.Select(k => $"'{k}'"))})";
        await update.ExecuteNonQueryAsync();
    }

    private Task<long> CountKeyAsync(string table, string key) =>
        Idempotent.CountAsync(Db, $"SELECT count(*) FROM {table} WHERE idem_key = '{key}'");
}
