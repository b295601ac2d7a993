using Cms.Api;
using Cms.Api.Auth;

if (args is ["token", ..])
{
    // The local token command reads the same configuration as the service (appsettings, environment).
    var cli = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [] });
    return TokenCommand.Run(args, cli.Configuration, Console.Out, Console.Error);
}

var builder = WebApplication.CreateBuilder(args);
builder.AddCmsServices();
var app = builder.Build();
app.MigrateDatabase();
app.MapCms();
app.Run();
return 0;
