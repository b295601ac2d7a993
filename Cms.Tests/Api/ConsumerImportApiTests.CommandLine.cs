using Cms.Api.Import;
using Cms.Domain.Staff;
using Cms.Tests.Support;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Cms.Tests.Api;

/// <summary>The <c>import-consumers</c> command: the same import as the endpoint, run as a named tenant admin.</summary>
public sealed partial class ConsumerImportApiTests
{
    /// <summary>The command's arguments for <paramref name="file"/>, as <paramref name="subject"/>, on <paramref name="connectionString"/>.</summary>
    private string[] CommandLine(TestTenant tenant, string subject, string file, string connectionString) =>
    [
        ImportConsumersCommandLine.Name, "--tenant", tenant.Id.ToString(), "--as", subject, "--file", file, "--batch", "2",
        "--Cms:Database:Provider", Kind.ToString(), "--Cms:Database:ConnectionString", connectionString,
        "--Cms:Auth:Issuer", CmsApiFactory.Auth.Issuer, "--Cms:Auth:SigningKey", CmsApiFactory.Auth.SigningKey!,
        "--Cms:Audit:HmacKey", CmsApiFactory.AuditKey, "--Cms:Crypto:MasterKeys:1", CmsApiFactory.MasterKey,
        "--Cms:Crypto:ActiveMasterKeyVersion", "1", "--Cms:Crypto:TenantKeyVault:Directory", Db.KeyVaultDirectory,
    ];

    [Test]
    public async Task The_command_line_import_loads_a_file_as_a_named_tenant_admin_and_reports_refused_lines()
    {
        var tenant = await CreateTenantAsync();
        var (admin, _) = await tenant.AddStaffAsync(Role.TenantAdmin);
        var (agent, _) = await tenant.AddStaffAsync(Role.Agent);
        var file = Path.Combine(Path.GetTempPath(), $"cms-import-{Guid.NewGuid():N}.jsonl");
        await File.WriteAllTextAsync(file, Line("CLI-1") + "\n" + Line("CLI-2") + "\n{\"externalRef\":\"CLI-3\"}\n");
        try
        {
            var output = new StringWriter();
            var error = new StringWriter();
            var exit = await ImportConsumersCommandLine.RunAsync(CommandLine(tenant, admin.Subject, file, Db.AppConnectionString), output, error);
            Assert.That(exit, Is.EqualTo(1), $"1 = some lines refused; stderr: {error}");
            var report = System.Text.Json.JsonSerializer.Deserialize<ConsumerImportReport>(output.ToString(), Json)!;
            using (Assert.EnterMultipleScope())
            {
                Assert.That(report.Imported, Is.EqualTo(2));
                Assert.That(report.Errors.Select(e => (e.Line, e.Field)), Is.EqualTo(new[] { (3L, (string?)"fullName") }));
                Assert.That(error.ToString(), Does.Contain("[import] done: 3 lines"));
            }

            // Read back through the running service: the same keys, the same sealing.
            Assert.That((await FindAsync(tenant.Admin, "CLI-2"))!.FullName, Is.EqualTo("Ann Example"));
            var audit = await ImportAuditAsync(tenant);
            Assert.That(audit.Select(a => a.ActorId).Distinct(), Is.EqualTo(new[] { admin.Id.ToString() }), "audited as the named admin");

            // An agent may not: refused as a whole, exit 3, nothing more loaded.
            var refused = await ImportConsumersCommandLine.RunAsync(CommandLine(tenant, agent.Subject, file, Db.AppConnectionString), new StringWriter(), error);
            Assert.That(refused, Is.EqualTo(3));
            Assert.That(await ImportAuditAsync(tenant), Has.Count.EqualTo(audit.Count));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Test]
    public async Task The_command_line_reads_while_authorizing_yet_refuses_an_agent_as_such_whatever_the_file_holds()
    {
        // The command parses its first batches while the caller's role is checked: a file it cannot read is still refused
        // to an agent as an unauthorized import (the role decides first), and to the admin as a bad file.
        var tenant = await CreateTenantAsync();
        var (admin, _) = await tenant.AddStaffAsync(Role.TenantAdmin);
        var (agent, _) = await tenant.AddStaffAsync(Role.Agent);
        var file = Path.Combine(Path.GetTempPath(), $"cms-import-{Guid.NewGuid():N}.csv");
        await File.WriteAllTextAsync(file, "externalRef,email\nBAD-1,a@b.test\n");
        try
        {
            var agentError = new StringWriter();
            var refused = await ImportConsumersCommandLine.RunAsync(CommandLine(tenant, agent.Subject, file, Db.AppConnectionString), new StringWriter(), agentError);
            var adminError = new StringWriter();
            var badFile = await ImportConsumersCommandLine.RunAsync(CommandLine(tenant, admin.Subject, file, Db.AppConnectionString), new StringWriter(), adminError);
            using (Assert.EnterMultipleScope())
            {
                Assert.That(refused, Is.EqualTo(3), $"stderr: {agentError}");
                Assert.That(agentError.ToString(), Does.Contain("forbidden").And.Not.Contain("fullName"));
                Assert.That(badFile, Is.EqualTo(3), $"stderr: {adminError}");
                Assert.That(adminError.ToString(), Does.Contain("fullName"));
            }

            Assert.That(await FindAsync(tenant.Admin, "BAD-1"), Is.Null);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Test]
    public async Task A_database_fault_stops_the_command_line_import_with_exit_code_4_and_what_was_committed_instead_of_a_crash()
    {
        var tenant = await CreateTenantAsync();
        var (admin, _) = await tenant.AddStaffAsync(Role.TenantAdmin);
        var file = Path.Combine(Path.GetTempPath(), $"cms-import-{Guid.NewGuid():N}.jsonl");
        await File.WriteAllTextAsync(file, string.Concat(Enumerable.Range(1, 5).Select(i => Line($"RO-{i}") + "\n")));
        // A database that refuses every write (a standby, a read-only file): the batch's insert fails, and no retry helps.
        // Three batches of 2 in a tenant without a key yet: on PostgreSQL the second runs beside the first from the start,
        // waits for it before creating the tenant's key, and writes nothing once it failed.
        var readOnly = Kind == DatabaseKind.Postgres
            ? new NpgsqlConnectionStringBuilder(Db.AppConnectionString) { Options = "-c default_transaction_read_only=on" }.ConnectionString
            : new SqliteConnectionStringBuilder(Db.AppConnectionString) { Mode = SqliteOpenMode.ReadOnly }.ConnectionString;
        try
        {
            var error = new StringWriter();
            var exit = await ImportConsumersCommandLine.RunAsync(CommandLine(tenant, admin.Subject, file, readOnly), new StringWriter(), error);
            using (Assert.EnterMultipleScope())
            {
                Assert.That(exit, Is.EqualTo(4), $"stderr: {error}");
                Assert.That(error.ToString(), Does.Contain("import stopped by a database error").And.Contain("after 0 lines committed"));
            }

            Assert.That(await FindAsync(tenant.Admin, "RO-1"), Is.Null, "nothing loaded");
        }
        finally
        {
            File.Delete(file);
        }
    }
}
