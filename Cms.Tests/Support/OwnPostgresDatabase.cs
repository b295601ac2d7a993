namespace Cms.Tests.Support;

/// <summary>
/// A fixture that reads or changes a PostgreSQL database's catalogue, plans or reset itself, with no service: a migrated
/// database of its own (a copy of the run's template) for the fixture's life, dropped after, whatever set-up got to.
/// </summary>
public abstract class OwnPostgresDatabase
{
    protected PostgresTestDatabase Db { get; private set; } = null!;

    [OneTimeSetUp]
    public async Task CreateOwnDatabaseAsync() => Db = await PostgresTestDatabase.CreateAsync();

    [OneTimeTearDown]
    public async Task DropOwnDatabaseAsync()
    {
        if (Db is not null)
        {
            await Db.DisposeAsync();
        }
    }
}
