using Cms.Tests.Support;

namespace Cms.Tests;

/// <summary>Stops the run's shared OpenID Connect provider after the last test of the assembly's namespace, whatever the
/// outcome (its disposal never throws). In this namespace so that it covers every test.</summary>
[SetUpFixture]
public sealed class OidcProviderRun
{
    [OneTimeTearDown]
    public async Task StopSharedProviderAsync() => await OidcProvider.StopSharedAsync();
}
