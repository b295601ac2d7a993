namespace Cms.Api.Auth;

/// <summary>
/// <c>dotnet run --project Cms.Api -- token --tenant &lt;id&gt; --sub &lt;subject&gt;</c> or <c>-- token --platform --sub &lt;subject&gt;</c>:
/// prints a bare local token signed with Cms:Auth:SigningKey.
/// </summary>
public static class TokenCommand
{
    public static int Run(string[] args, IConfiguration configuration, TextWriter output, TextWriter error)
    {
        string? sub = null;
        Guid? tenant = null;
        var platform = false;
        var hours = 8;
        for (var i = 1; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--sub" when i + 1 < args.Length:
                    sub = args[++i];
                    break;
                case "--tenant" when i + 1 < args.Length:
                    if (!Guid.TryParse(args[++i], out var id))
                    {
                        error.WriteLine($"--tenant must be a tenant id (uuid), not '{args[i]}'.");
                        return 2;
                    }

                    tenant = id;
                    break;
                case "--platform":
                    platform = true;
                    break;
                case "--hours" when i + 1 < args.Length && int.TryParse(args[i + 1], out var h) && h is > 0 and <= 720:
                    hours = h;
                    i++;
                    break;
                default:
                    error.WriteLine(Usage);
                    return 2;
            }
        }

        if (string.IsNullOrWhiteSpace(sub) || (tenant is null) == !platform)
        {
            error.WriteLine(Usage);
            return 2;
        }

        var options = CmsApi.LoadAuth(configuration, CmsApi.LoadDatabase(configuration));
        try
        {
            output.WriteLine(TokenIssuer.Issue(options, sub, tenant, platform, TimeSpan.FromHours(hours)));
            return 0;
        }
        catch (InvalidOperationException ex)
        {
            error.WriteLine(ex.Message);
            return 1;
        }
    }

    private const string Usage =
        "usage: token (--tenant <tenant id> | --platform) --sub <subject> [--hours N]   prints a bare local bearer token";
}
