using Cms.Tests.Support;
using Npgsql;

namespace Cms.Tests.Isolation;

/// <summary>
/// The tenant registry is written on the platform path only (issue 23): as the service's login cms_app, from tenant A's
/// transaction, no row of tenants can be updated (another tenant's or its own) nor a tenant inserted; reads stay open,
/// and the platform path (no tenant in the transaction) still creates and updates tenants.
/// </summary>
public sealed class TenantRegistryWriteTests() : ApiTestBase(DatabaseKind.Postgres)
{
    private PostgresTestDatabase Pg => (PostgresTestDatabase)Db;

    [Test]
    public async Task From_a_tenant_transaction_cms_app_reads_the_registry_but_changes_no_row_of_it()
    {
        var a = await CreateTenantAsync("Tenant A");
        var b = await CreateTenantAsync("Tenant B");

        Assert.Multiple(async () =>
        {
            Assert.That(await AsAppAsync(a.Id, "SELECT count(*) FROM tenants"), Is.EqualTo(2L), "reads stay open");
            Assert.That(await AsAppAsync(a.Id, $"UPDATE tenants SET status = 'suspended', jurisdiction = 'US' WHERE id = '{b.Id}'"), Is.Zero,
                "another tenant's row");
            Assert.That(await AsAppAsync(a.Id, $"UPDATE tenants SET jurisdiction = 'US' WHERE id = '{a.Id}'"), Is.Zero, "its own row");
        });
        var insert = await Assert.ThrowsAsync<PostgresException>(async () => await AsAppAsync(a.Id,
            $"INSERT INTO tenants (id, name, sector, jurisdiction, status, created_at) VALUES ('{Guid.NewGuid()}', 'Forged', 'banking', 'UK', 'active', now())"));
        Assert.That(insert?.SqlState, Is.EqualTo(PostgresErrorCodes.InsufficientPrivilege), "a tenant cannot register tenants");
        Assert.That(await AsAppAsync(null, $"SELECT count(*) FROM tenants WHERE jurisdiction = 'US' OR status <> 'active'"), Is.Zero, "nothing changed");

        // The platform path (no tenant set) still writes the registry.
        Assert.That(await AsAppAsync(null, $"UPDATE tenants SET name = name WHERE id = '{b.Id}'"), Is.EqualTo(1L));
    }

    /// <summary>One statement as cms_app in a transaction whose tenant is <paramref name="tenantId"/> (none when null):
    /// a count for a SELECT, the rows affected otherwise.</summary>
    private async Task<long> AsAppAsync(Guid? tenantId, string sql)
    {
        await using var connection = await Connections.OpenAsync(Pg.AppConnectionString);
        await using var transaction = await connection.BeginTransactionAsync();
        if (tenantId is { } id)
        {
            await using var set = new NpgsqlCommand($"SET LOCAL app.tenant_id = '{id:D}'", connection, transaction);
            await set.ExecuteNonQueryAsync();
        }

        await using var command = new NpgsqlCommand(sql, connection, transaction);
        var result = sql.StartsWith("SELECT", StringComparison.Ordinal)
            ? Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture)
            : await command.ExecuteNonQueryAsync();
        await transaction.CommitAsync();
        return result;
    }
}
