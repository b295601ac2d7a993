using Cms.Application;
using Cms.Application.Audit;
using Cms.Infrastructure;
using Cms.Infrastructure.Crypto;
using Cms.Infrastructure.Persistence;
using Microsoft.Extensions.DependencyInjection;

namespace Cms.Tests.Support;

/// <summary>
/// The application and infrastructure services without the HTTP host, on a test database: what repository-level tests
/// resolve repositories, query services and the audit trail from. The host's keys are test values.
/// </summary>
public static class TestServices
{
    public static ServiceProvider Build(TestDatabase db)
    {
        var services = new ServiceCollection();
        services.AddCmsApplication();
        services.AddSingleton(new TenantKeyVaultOptions { Directory = db.KeyVaultDirectory });
        services.AddCmsInfrastructure(new DatabaseOptions
        {
            Provider = db.Kind == DatabaseKind.Postgres ? DatabaseProvider.Postgres : DatabaseProvider.Sqlite,
            ConnectionString = db.AppConnectionString,
        });
        services.AddLogging();

        // What the host supplies from configuration: the vault's directory (above: before the infrastructure's default),
        // the audit chain's HMAC key and the master key.
        services.AddSingleton(new AuditChainKey(System.Text.Encoding.UTF8.GetBytes("test-services-audit-chain-key-0123456789")));
        services.AddSingleton<IMasterKeyProvider>(new ConfiguredMasterKeyProvider(
            new Dictionary<string, byte[]> { ["1"] = System.Text.Encoding.UTF8.GetBytes("test-services-master-key-0123456") }, "1"));
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });
    }
}
