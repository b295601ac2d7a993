using Cms.Application.Abstractions;
using Cms.Domain.Common;
using Cms.Domain.Tenants;
using Microsoft.Extensions.DependencyInjection;

namespace Cms.Tests.Support;

/// <summary>
/// Tests that resolve the application and infrastructure services without the HTTP host (<see cref="TestServices"/>):
/// one test database per fixture, reset before each test, and "one request's worth of work" in a scope of its own.
/// </summary>
public abstract class HostlessTests<TDatabase>
    where TDatabase : TestDatabase
{
    protected static readonly CancellationToken Ct = CancellationToken.None;

    protected TDatabase Db { get; private set; } = null!;

    protected ServiceProvider Services { get; private set; } = null!;

    /// <summary>The fixture's database (SQLite or PostgreSQL, migrated).</summary>
    protected abstract Task<TDatabase> CreateDatabaseAsync();

    [OneTimeSetUp]
    public async Task CreateDatabaseAndServicesAsync()
    {
        Db = await CreateDatabaseAsync();
        Services = TestServices.Build(Db);
    }

    [SetUp]
    public Task ResetDatabaseAsync() => Db.ResetAsync();

    [OneTimeTearDown]
    public async Task DisposeDatabaseAndServicesAsync()
    {
        if (Services is not null)
        {
            await Services.DisposeAsync();
        }

        if (Db is not null)
        {
            await Db.DisposeAsync();
        }
    }

    /// <summary>One request's worth of work: a scope, the tenant entered (if any), a unit of work committed or rolled back.</summary>
    protected async Task<T> InTenantAsync<T>(Guid? tenantId, Func<IServiceProvider, Task<T>> work, bool commit = true)
    {
        await using var scope = Services.CreateAsyncScope();
        var sp = scope.ServiceProvider;
        if (tenantId is { } id)
        {
            sp.GetRequiredService<TenantScope>().Enter(id);
        }

        var unitOfWork = sp.GetRequiredService<IUnitOfWork>();
        await unitOfWork.BeginAsync(Ct);
        var result = await work(sp);
        if (commit)
        {
            await unitOfWork.CommitAsync(Ct);
        }
        else
        {
            await unitOfWork.RollbackAsync(Ct);
        }

        return result;
    }

    protected Task InTenantAsync(Guid? tenantId, Func<IServiceProvider, Task> work, bool commit = true) =>
        InTenantAsync<bool>(tenantId, async sp =>
        {
            await work(sp);
            return true;
        }, commit);

    protected static T Get<T>(IServiceProvider sp)
        where T : notnull => sp.GetRequiredService<T>();

    protected async Task<Guid> CreateTenantAsync(string name = "Acme Bank", Sector sector = Sector.Banking, Jurisdiction jurisdiction = Jurisdiction.UK)
    {
        var tenant = Tenant.Create(Ids.New(), name, sector, jurisdiction, DateTimeOffset.UtcNow).Value;
        await InTenantAsync(null, sp => Get<ITenantRepository>(sp).AddAsync(tenant, Ct));
        return tenant.Id;
    }
}
