using System.Data.Common;
using System.Net;
using Cms.Migrations;
using Cms.Tests.Support;

namespace Cms.Tests.Operations;

/// <summary>/health/live answers while the process runs; /health/ready only when the database answers and carries
/// every migration of this build (as the app login, which may read the version table).</summary>
[TestFixture(DatabaseKind.Sqlite)]
[TestFixture(DatabaseKind.Postgres)]
public sealed class HealthTests(DatabaseKind kind) : ApiTestBase(kind)
{
    [Test]
    public async Task Ready_when_the_database_answers_and_every_migration_is_applied()
    {
        await using var factory = new CmsApiFactory(Db);
        var client = factory.CreateClient();
        Assert.That((await client.GetAsync("/health/live")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var ready = await client.GetAsync("/health/ready");
        Assert.That(ready.StatusCode, Is.EqualTo(HttpStatusCode.OK), await ready.Content.ReadAsStringAsync());
    }

    [Test]
    public async Task Not_ready_while_a_migration_of_this_build_is_missing()
    {
        var latest = CmsMigrator.LatestVersion;
        await using var factory = new CmsApiFactory(Db);
        var client = factory.CreateClient(); // started (SQLite migrates itself at start-up): the row goes missing afterwards
        await ExecuteAsync($"""DELETE FROM "{CmsMigrator.VersionTableName}" WHERE "Version" = {latest}""");
        try
        {
            Assert.That((await client.GetAsync("/health/ready")).StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
            Assert.That((await client.GetAsync("/health/live")).StatusCode, Is.EqualTo(HttpStatusCode.OK), "the process itself is fine");
        }
        finally
        {
            await ExecuteAsync($"""INSERT INTO "{CmsMigrator.VersionTableName}" ("Version", "AppliedOn", "Description") VALUES ({latest}, CURRENT_TIMESTAMP, 'restored by HealthTests')""");
        }
    }

    [Test]
    public async Task Ready_when_the_database_is_ahead_of_this_build()
    {
        var future = CmsMigrator.LatestVersion + 1;
        await ExecuteAsync($"""INSERT INTO "{CmsMigrator.VersionTableName}" ("Version", "AppliedOn", "Description") VALUES ({future}, CURRENT_TIMESTAMP, 'a newer release')""");
        try
        {
            await using var factory = new CmsApiFactory(Db);
            Assert.That((await factory.CreateClient().GetAsync("/health/ready")).StatusCode, Is.EqualTo(HttpStatusCode.OK),
                "a rolling deployment's older instances stay in service after the newer release migrated");
        }
        finally
        {
            await ExecuteAsync($"""DELETE FROM "{CmsMigrator.VersionTableName}" WHERE "Version" = {future}""");
        }
    }

    private async Task ExecuteAsync(string sql)
    {
        await using DbConnection connection = Db.OpenPrivileged();
        if (connection.State != System.Data.ConnectionState.Open)
        {
            await connection.OpenAsync();
        }

        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }
}
