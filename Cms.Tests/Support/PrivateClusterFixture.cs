using Npgsql;

namespace Cms.Tests.Support;

/// <summary>
/// A fixture on the run's private PostgreSQL cluster (<see cref="PrivatePostgres.SharedAsync"/>), for tests that stop or
/// restart the server: the test command's server is never touched. The fixture has a database of its own there; each
/// test starts with the cluster running and the database reset, and the database is dropped with the fixture (the
/// cluster after the run's last test).
/// </summary>
public abstract class PrivateClusterFixture
{
    protected PrivatePostgres Server { get; private set; } = null!;

    protected PostgresTestDatabase Db { get; private set; } = null!;

    [OneTimeSetUp]
    public async Task StartClusterAsync()
    {
        Server = await PrivatePostgres.SharedAsync();
        EnsureRunning();
        Db = await PostgresTestDatabase.CopyOfTemplateAsync(Server.Admin);
    }

    [SetUp]
    public async Task ResetAsync()
    {
        EnsureRunning();
        await Db.ResetAsync();
    }

    [OneTimeTearDown]
    public async Task DropDatabaseAsync()
    {
        if (Db is null)
        {
            return;
        }

        try
        {
            EnsureRunning(); // a test may end with the server stopped
            await Db.DisposeAsync();
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
        {
            // The cluster is deleted after the run, database included; a failed drop loses nothing.
        }
    }

    private void EnsureRunning()
    {
        if (!Server.IsRunning)
        {
            Server.Start();
        }
    }
}
