namespace Cms.Tests.Support;

/// <summary>
/// A fixture with a PostgreSQL cluster of its own (<see cref="PrivatePostgres"/>), for tests that stop or restart the
/// server: the shared test server is never touched. Each test starts with the cluster running and the database reset;
/// the cluster is deleted with the fixture.
/// </summary>
public abstract class PrivateClusterFixture
{
    protected PrivatePostgres Server { get; private set; } = null!;

    protected PostgresTestDatabase Db { get; private set; } = null!;

    [OneTimeSetUp]
    public async Task StartClusterAsync()
    {
        Server = await PrivatePostgres.StartAsync();
        Db = await PostgresTestDatabase.CreateAsync(Server.Admin);
    }

    [SetUp]
    public async Task ResetAsync()
    {
        if (!Server.IsRunning)
        {
            Server.Start();
        }

        await Db.ResetAsync();
    }

    [OneTimeTearDown]
    public async Task StopClusterAsync()
    {
        if (Server is not null)
        {
            await Server.DisposeAsync(); // stops the cluster and deletes it, database included
        }
    }
}
