using Cms.Api.Auth;
using Cms.Application.Abstractions;
using Cms.Domain.Common;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Cms.Api.Demo;

/// <summary>
/// <c>dotnet run --project Cms.Api -- seed-demo [--consumers N]</c>: migrates the configured database (SQLite by default,
/// PostgreSQL when configured) and fills it with the demonstration tenants of <see cref="DemoSeeder"/>, then prints a
/// token for every seat (when tokens can be minted locally, i.e. with Cms:Auth:SigningKey or the SQLite development key).
/// Progress goes to standard error, the tenants and tokens to standard output.
/// </summary>
public static class SeedDemoCommand
{
    public const int DefaultConsumersPerTenant = 1000;

    private const string Usage = "usage: seed-demo [--consumers N]   (N consumers per demo tenant, 0..100000, default 1000)";

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        var consumers = DefaultConsumersPerTenant;
        var rest = new List<string>();
        for (var i = 1; i < args.Length; i++)
        {
            if (args[i] == "--consumers")
            {
                if (i + 1 >= args.Length || !int.TryParse(args[++i], out consumers) || consumers is < 0 or > 100_000)
                {
                    error.WriteLine(Usage);
                    return 2;
                }
            }
            else
            {
                rest.Add(args[i]); // configuration overrides such as --Cms:Database:Provider=Postgres
            }
        }

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [.. rest] });
        builder.AddCmsServices();
        builder.Services.AddScoped<CliPrincipal>();
        builder.Services.Replace(ServiceDescriptor.Scoped<ICurrentPrincipal>(sp => sp.GetRequiredService<CliPrincipal>()));
        builder.Services.AddSingleton<DemoSeeder>();
        await using var app = builder.Build();
        app.MigrateDatabase();

        var seeded = await app.Services.GetRequiredService<DemoSeeder>()
            .SeedAsync(consumers, message => error.WriteLine(message), CancellationToken.None);

        var auth = CmsApi.LoadAuth(builder.Configuration, CmsApi.LoadDatabase(builder.Configuration));
        var canMint = string.IsNullOrWhiteSpace(auth.Authority) && !string.IsNullOrWhiteSpace(auth.SigningKey);
        var lifetime = TimeSpan.FromHours(12);
        output.WriteLine(canMint
            ? "Tokens below are valid for 12 hours (send as 'Authorization: Bearer <token>')."
            : "Tokens come from your identity provider (Cms:Auth:Authority): issue them for the subjects below.");
        output.WriteLine($"platform operator  {DemoSeeder.OperatorSubject}  {(canMint ? TokenIssuer.Issue(auth, DemoSeeder.OperatorSubject, null, true, lifetime) : "")}");
        foreach (var tenant in seeded)
        {
            output.WriteLine();
            output.WriteLine($"{tenant.Demo.Name}  tenant {tenant.TenantId}  ({tenant.ConsumersAdded} consumers, {tenant.ComplaintsAdded} complaints added by this run)");
            foreach (var seat in tenant.Staff)
            {
                var token = canMint ? TokenIssuer.Issue(auth, seat.Subject, tenant.TenantId, false, lifetime) : "";
                output.WriteLine($"  {seat.Role.ToWire(),-14} {seat.Subject,-32} {token}");
            }
        }

        return 0;
    }
}
