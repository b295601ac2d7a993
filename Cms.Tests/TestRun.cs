using Cms.Tests.Support;

namespace Cms.Tests;

/// <summary>What a run shares, stopped after the last test of the assembly's namespace whatever the outcome (each step
/// never throws): the API fixtures' shared services, the OpenID Connect provider, the private PostgreSQL cluster, the migrated templates. In this namespace
/// so that it covers every test.</summary>
[SetUpFixture]
public sealed class TestRun
{
    [OneTimeTearDown]
    public async Task StopSharedResourcesAsync()
    {
        await SharedServices.DisposeAllAsync();
        await OidcProvider.StopSharedAsync();
        await MigratedTemplates.DropAllAsync();
        await PrivatePostgres.DisposeSharedAsync();
    }
}
