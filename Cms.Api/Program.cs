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
    // Brings every tenant key behind the tenant key vault (tenants created before it) and, after a master-key rotation
    // (configure the new version as Cms:Crypto:ActiveMasterKeyVersion next to the old one, run this, then remove the old
    // version), under the active master key. Re-wraps tenant keys only; consumer rows are not re-encrypted.
    var cli = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args[1..] });
    cli.AddCmsServices();
    await using var host = cli.Build();
    var rewrapped = await host.Services.GetRequiredService<MasterKeyRotation>().RewrapTenantKeysAsync(CancellationToken.None);
    Console.Out.WriteLine($"{rewrapped.TenantKeys} tenant key(s) re-wrapped behind the tenant key vault under master key version " +
        $"{host.Services.GetRequiredService<IMasterKeyProvider>().ActiveVersion}; vault entries re-sealed: {rewrapped.VaultEntries}; " +
        $"skipped (keys destroyed): {rewrapped.Destroyed}.");
    return 0;
}

if (args is ["probe", var probeUrl])
{
    // The container image's HEALTHCHECK: the runtime image has no curl, the app itself asks its health endpoint.
    using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
    try
    {
        using var answer = await http.GetAsync(new Uri(probeUrl));
        return answer.IsSuccessStatusCode ? 0 : 1;
    }
    catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or UriFormatException)
    {
        Console.Error.WriteLine($"probe failed: {ex.GetType().Name}");
        return 1;
    }
}

if (args is [Cms.Api.Import.ImportConsumersCommandLine.Name, ..])
{
    // Bulk consumer import from a file (tenant onboarding): the same code as POST /v1/consumers/imports.
    return await Cms.Api.Import.ImportConsumersCommandLine.RunAsync(args, Console.Out, Console.Error);
}

if (args is [Cms.Api.Maintenance.SealFreeTextCommandLine.Name, ..])
{
    // The online conversion of free text written before it was sealed (ADR 0013): resumable, safe while the service runs.
    return await Cms.Api.Maintenance.SealFreeTextCommandLine.RunAsync(args, Console.Out, Console.Error);
}

if (args is ["seed-demo", ..])
{
    return await SeedDemoCommand.RunAsync(args, Console.Out, Console.Error);
}

var builder = WebApplication.CreateBuilder(args);
try
{
    builder.AddCmsServices();
}
catch (InvalidOperationException ex)
{
    // Fail fast with the one sentence that names the setting (never its value); 78 = EX_CONFIG.
    Console.Error.WriteLine($"Start-up refused, configuration error: {ex.Message}");
    return 78;
}

var app = builder.Build();
app.MigrateDatabase();
app.MapCms();
app.Run();
return 0;
