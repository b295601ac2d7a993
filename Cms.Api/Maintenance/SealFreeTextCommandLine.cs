using System.Globalization;
using Cms.Infrastructure.Privacy;

namespace Cms.Api.Maintenance;

/// <summary>
/// <c>Cms.Api seal-free-text [--tenant &lt;id&gt;] [--batch 500]</c>, plus the service's usual configuration (database,
/// keys): seals, in place and in committed batches, the free text of rows written before it was sealed
/// (<see cref="FreeTextConversion"/>), while the service runs. Progress (rows done of those found, rate, time left) goes to
/// stderr at most every second and at the end of each table; the rows sealed to stdout. Stopped at any point, it is run
/// again and continues with what is left. Exit code 0 when done, 2 for usage errors.
/// </summary>
public static class SealFreeTextCommandLine
{
    public const string Name = "seal-free-text";

    public const string Usage = "usage: seal-free-text [--tenant <tenant id>] [--batch N (1-10000, default 500)]";

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args[1..] });
        var config = builder.Configuration;
        Guid? tenant = null;
        if (config["tenant"] is { } text)
        {
            if (!Guid.TryParse(text, out var id) || id == Guid.Empty)
            {
                await error.WriteLineAsync(Usage);
                return 2;
            }

            tenant = id;
        }

        if (!int.TryParse(config["batch"] ?? "500", NumberStyles.None, CultureInfo.InvariantCulture, out var batch) || batch is < 1 or > FreeTextConversion.MaxBatch)
        {
            await error.WriteLineAsync(Usage);
            return 2;
        }

        builder.AddCmsServices();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        await using var host = builder.Build();
        var lastReport = DateTimeOffset.MinValue;
        var sealedRows = await host.Services.GetRequiredService<FreeTextConversion>().RunAsync(batch, tenant, p =>
        {
            var now = DateTimeOffset.UtcNow;
            if (!p.Finished && now - lastReport < TimeSpan.FromSeconds(1))
            {
                return;
            }

            lastReport = now;
            error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"[seal-free-text] tenant {p.TenantId} {p.Table}: {p.Done:N0}/{p.Total:N0} rows, {p.RowsPerSecond:N0} rows/s, {(p.TimeLeft is { } left ? $"{left.TotalSeconds:N0} s left" : "time left unknown")}"));
        }, cancellationToken);
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{sealedRows} row(s) sealed."));
        return 0;
    }
}
