using System.Data.Common;
using Cms.Tests.Support;
using Npgsql;

namespace Cms.Tests.Citus;

/// <summary>
/// A database the tests did not create: a Citus coordinator (or any PostgreSQL) prepared the way docs/scaling.md says
/// (roles.sql, the migrations, deploy/citus/distribute.sql), named by <c>CMS_TEST_CITUS</c>, a connection string of a
/// superuser on that database. The service connects to it as cms_app with the password in
/// <c>CMS_TEST_CITUS_APP_PASSWORD</c>. Nothing is reset or dropped: the tests work in tenants of their own.
/// </summary>
public sealed class ExternalPostgresDatabase : TestDatabase
{
    public const string Variable = "CMS_TEST_CITUS";
    public const string AppPasswordVariable = "CMS_TEST_CITUS_APP_PASSWORD";

    private ExternalPostgresDatabase(string admin, string app)
    {
        AdminConnectionString = admin;
        AppConnectionString = app;
    }

    public override DatabaseKind Kind => DatabaseKind.Postgres;

    public string AdminConnectionString { get; }

    public override string AppConnectionString { get; }

    /// <summary>The vault of the test run's services on this database (tenants of their own; left for the OS to clean).</summary>
    public override string KeyVaultDirectory { get; } = Path.Combine(Path.GetTempPath(), "cms-tests", $"citus-{Guid.NewGuid():N}.tenant-keys");

    /// <summary>
    /// The database of <c>CMS_TEST_CITUS</c>, or the tests are skipped with the reason (never passed) when it is not set.
    /// Set but unreachable is a failure: someone meant it to run.
    /// </summary>
    public static async Task<ExternalPostgresDatabase> FromEnvironmentAsync()
    {
        var admin = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrWhiteSpace(admin))
        {
            Assert.Ignore($"No Citus coordinator to run against: set {Variable} (a superuser's connection string to a database set up as " +
                          $"docs/scaling.md says) and {AppPasswordVariable} to run the Citus conformance suite.");
        }

        var app = new NpgsqlConnectionStringBuilder(admin)
        {
            Username = "cms_app",
            Password = Environment.GetEnvironmentVariable(AppPasswordVariable)
                       ?? throw new InvalidOperationException($"{Variable} is set but {AppPasswordVariable} is not."),
            MaxPoolSize = 50,
        }.ConnectionString;
        // Unreachable: fails the suite with the driver's reason.
        await (await Connections.OpenAsync(admin)).DisposeAsync();

        return new ExternalPostgresDatabase(admin, app);
    }

    public override Task ResetAsync() => Task.CompletedTask;

    public override DbConnection OpenPrivileged()
    {
        var connection = Connections.Open(AdminConnectionString);
        return connection;
    }

    public override ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        return ValueTask.CompletedTask;
    }
}
