namespace Cms.Tests.Support;

/// <summary>
/// The run's one in-memory service per database kind, on a database of its own, for every API fixture that runs the
/// service as it is (no settings, database or start-up step of its own: <see cref="ApiTestBase"/> decides). Started by
/// the first such fixture of a kind and kept for the others; the database is emptied before each test as before, so a
/// fixture sees what a later test of one fixture always saw: the same service and an empty database. Starting a host
/// and copying a database per fixture cost the run about a second a fixture. Stopped after the last test
/// (<see cref="TestRun"/>).
/// </summary>
internal static class SharedServices
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static readonly Dictionary<DatabaseKind, (TestDatabase Database, CmsApiFactory Factory)> Started = [];

    public static async Task<(TestDatabase Database, CmsApiFactory Factory)> ForAsync(DatabaseKind kind)
    {
        await Gate.WaitAsync();
        try
        {
            if (!Started.TryGetValue(kind, out var shared))
            {
                var database = await TestDatabase.CreateAsync(kind);
                shared = (database, new CmsApiFactory(database));
                Started[kind] = shared;
            }

            return shared;
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>Stops every shared service and drops its database; never throws (each step on its own).</summary>
    public static async Task DisposeAllAsync()
    {
        await Gate.WaitAsync();
        try
        {
            foreach (var (database, factory) in Started.Values)
            {
                await NeverThrowingAsync(() => factory.DisposeAsync());
                await NeverThrowingAsync(() => database.DisposeAsync());
            }

            Started.Clear();
        }
        finally
        {
            Gate.Release();
        }
    }

    private static async Task NeverThrowingAsync(Func<ValueTask> step)
    {
        try
        {
            await step();
        }
        catch (Exception ex)
        {
            // Teardown after the last test: a failure here loses nothing the run reports (the server is removed after it).
            await TestContext.Progress.WriteLineAsync($"SharedServices: teardown step failed: {ex.GetType().Name}: {ex.Message}");
        }
    }
}
