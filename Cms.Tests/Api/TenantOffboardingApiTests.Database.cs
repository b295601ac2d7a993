using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Cms.Application.Tenants;
using Cms.Domain.Staff;
using Cms.Tests.Isolation;
using Cms.Tests.Support;
using Dapper;
using Npgsql;

namespace Cms.Tests.Api;

/// <summary>The offboarding tests' arrangements and their own reading of the database (catalogue, counts), past
/// row-level security, independent of the service's code.</summary>
public sealed partial class TenantOffboardingApiTests
{
    private sealed record Export(string Text, Dictionary<string, (long Rows, string Sha256)> Manifest, Dictionary<string, List<string>> Rows,
        List<string> PersonalData);

    /// <summary>A tenant with two consumers, two complaints (one with a note), a queue and an agent: rows in many tables.</summary>
    private async Task<TestTenant> SeededTenantAsync(string name = "Acme Bank")
    {
        var tenant = await CreateTenantAsync(name);
        await tenant.AddStaffAsync(Role.Agent);
        await tenant.CreateQueueAsync($"q-{Guid.NewGuid():N}"[..12]);
        foreach (var _ in new[] { 1, 2 })
        {
            var consumer = await tenant.RegisterConsumerAsync();
            var complaint = await tenant.FileComplaintAsync(consumer.Id);
            await Expect(await tenant.Admin.PostAsJsonAsync($"/v1/complaints/{complaint.Id}/notes",
                new { kind = "internal", body = "Called the branch." }, Json), HttpStatusCode.Created);
        }

        return tenant;
    }

    private async Task SuspendAsync(Guid tenantId) =>
        await Expect(await Platform.PostAsJsonAsync($"/v1/tenants/{tenantId}/suspend", new { reason = "Contract ended" }, Json), HttpStatusCode.OK);

    /// <summary>PostgreSQL places events and links audit entries a moment after commit: settle them so counts hold still.</summary>
    private async Task SettleAsync(Guid tenantId)
    {
        if (Kind == DatabaseKind.Postgres)
        {
            await SealAsync(tenantId);
        }
    }

    private async Task<Export> ExportAsync(Guid tenantId, bool decrypt = false)
    {
        var response = await Platform.PostAsync($"/v1/tenants/{tenantId}/export{(decrypt ? "?decryptPersonalData=true" : "")}", null);
        await Expect(response, HttpStatusCode.OK);
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/x-ndjson"));
        var text = await response.Content.ReadAsStringAsync();
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(JsonDocument.Parse(lines[0]).RootElement.GetProperty("type").GetString(), Is.EqualTo("export"));
        using var manifestDocument = JsonDocument.Parse(lines[^1]);
        Assert.That(manifestDocument.RootElement.GetProperty("type").GetString(), Is.EqualTo("manifest"), "the manifest ends a complete export");
        var manifest = manifestDocument.RootElement.GetProperty("tables").EnumerateArray().ToDictionary(
            t => t.GetProperty("table").GetString()!, t => (t.GetProperty("rows").GetInt64(), t.GetProperty("sha256").GetString()!));
        var rows = new Dictionary<string, List<string>>();
        var personal = new List<string>();
        foreach (var line in lines[1..^1])
        {
            using var document = JsonDocument.Parse(line);
            var type = document.RootElement.GetProperty("type").GetString();
            if (type == "personal_data")
            {
                personal.Add(line);
                continue;
            }

            Assert.That(type, Is.EqualTo("row"));
            var table = document.RootElement.GetProperty("table").GetString()!;
            (rows.TryGetValue(table, out var list) ? list : rows[table] = []).Add(line);
        }

        return new Export(text, manifest, rows, personal);
    }

    private static string Sha256(IEnumerable<string> lines) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Concat(lines.Select(l => l + "\n")))));

    private static string? TenantOf(string line) =>
        JsonDocument.Parse(line).RootElement.GetProperty("row").GetProperty("tenant_id").GetString()?.ToLowerInvariant();

    private static string IdOf(string line) =>
        JsonDocument.Parse(line).RootElement.GetProperty("row").GetProperty("id").ToString().ToLowerInvariant();

    private async Task<TenantOffboardingDto> WaitCompletedAsync(Guid tenantId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var status = await Read<TenantOffboardingDto>(await Platform.GetAsync($"/v1/tenants/{tenantId}/offboarding"));
            if (status.State == OffboardingState.Completed)
            {
                return status;
            }

            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), $"the deletion did not complete: {status}");
            await Task.Delay(50);
        }
    }

    private static async Task ExpectProblemAsync(HttpResponseMessage response, HttpStatusCode status, string? typeEnding)
    {
        await Expect(response, status);
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
        if (typeEnding is not null)
        {
            using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.That(problem.RootElement.GetProperty("code").GetString(), Is.EqualTo(typeEnding));
        }
    }

    /// <summary>Every table with a tenant_id column, from the catalogue (partitions through their parent).</summary>
    private async Task<List<string>> TenantTablesAsync()
    {
        await using var connection = Db.OpenPrivileged();
        if (connection is NpgsqlConnection postgres)
        {
            return [.. (await TenantCatalog.TenantTablesAsync(postgres)).Where(t => t.Schema == "public").Select(t => t.Name)];
        }

        return [.. await connection.QueryAsync<string>(
            "SELECT m.name FROM sqlite_master m WHERE m.type = 'table' AND EXISTS (SELECT 1 FROM pragma_table_info(m.name) p WHERE p.name = 'tenant_id')")];
    }

    private async Task<long> CountAsync(string table, Guid tenantId)
    {
        await using var connection = Db.OpenPrivileged();
        return await connection.ExecuteScalarAsync<long>($"SELECT count(*) FROM \"{table}\" WHERE tenant_id = @TenantId", new { TenantId = tenantId });
    }

    private async Task<Dictionary<string, long>> CountsAsync(Guid tenantId)
    {
        var counts = new Dictionary<string, long>();
        foreach (var table in await TenantTablesAsync())
        {
            counts[table] = await CountAsync(table, tenantId);
        }

        return counts;
    }

    private async Task<bool> HasIdColumnAsync(string table)
    {
        await using var connection = Db.OpenPrivileged();
        return await connection.ExecuteScalarAsync<long>(connection is NpgsqlConnection
            ? "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'public' AND table_name = @Table AND column_name = 'id'"
            : "SELECT count(*) FROM pragma_table_info(@Table) WHERE name = 'id'", new { Table = table }) > 0;
    }

    private async Task<List<string>> IdsAsync(string table, Guid tenantId)
    {
        await using var connection = Db.OpenPrivileged();
        return [.. (await connection.QueryAsync<string>($"SELECT CAST(id AS text) FROM \"{table}\" WHERE tenant_id = @TenantId", new { TenantId = tenantId }))
            .Select(id => id.ToLowerInvariant())];
    }

    /// <summary>Tenant keys of the tenant that still hold wrapped key material.</summary>
    private async Task<long> LiveKeysAsync(Guid tenantId)
    {
        await using var connection = Db.OpenPrivileged();
        return await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM tenant_keys WHERE tenant_id = @TenantId AND wrapped_key <> ''",
            new { TenantId = tenantId });
    }

    private async Task<long> RegistryRowsAsync(Guid tenantId)
    {
        await using var connection = Db.OpenPrivileged();
        return await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM tenants WHERE id = @TenantId", new { TenantId = tenantId });
    }

    private async Task<List<string>> PlatformActionsAsync()
    {
        await using var connection = Db.OpenPrivileged();
        return [.. await connection.QueryAsync<string>("SELECT action FROM platform_audit_entries ORDER BY seq")];
    }

    /// <summary>An edit past the service (and, on PostgreSQL, past the append-only trigger, as a superuser in a replica session).</summary>
    private async Task TamperAsync(string sql)
    {
        await using var connection = Db.OpenPrivileged();
        await connection.ExecuteAsync(connection is NpgsqlConnection ? "SET session_replication_role = replica;\n" + sql : sql);
    }
}
