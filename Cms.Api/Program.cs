using Cms.Api;
using Cms.Api.Auth;
using Cms.Api.Demo;
using Cms.Infrastructure.Crypto;

if (args is ["token", ..])
{
    // The local token command reads the same configuration as the service (appsettings, environment).
    var cli = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [] });
    return TokenCommand.Run(args, cli.Configuration, Console.Out, Console.Error);
}

if (args is ["rewrap-tenant-keys", ..])
{
    // Master-key rotation: configure the new version as Cms:Crypto:ActiveMasterKeyVersion next to the old one, run this,
    // then remove the old version. Re-wraps tenant keys only; consumer rows are not re-encrypted.
    var cli = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args[1..] });
    cli.AddCmsServices();
    await using var host = cli.Build();
    var rewrapped = await host.Services.GetRequiredService<MasterKeyRotation>().RewrapTenantKeysAsync(CancellationToken.None);
    Console.Out.WriteLine($"{rewrapped} tenant key(s) re-wrapped under master key version {host.Services.GetRequiredService<IMasterKeyProvider>().ActiveVersion}.");
    return 0;
}

if (args is ["seed-demo", ..])
{
    return await SeedDemoCommand.RunAsync(args, Console.Out, Console.Error);
}

var builder = WebApplication.CreateBuilder(args);
builder.AddCmsServices();
var app = builder.Build();
app.MigrateDatabase();
app.MapCms();
app.Run();
return 0;
