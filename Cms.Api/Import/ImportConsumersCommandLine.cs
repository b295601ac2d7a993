using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Cms.Api.Demo;
using Cms.Application.Abstractions;
using Cms.Application.Consumers.ImportConsumers;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Cms.Api.Import;

/// <summary>
/// <c>Cms.Api import-consumers --tenant &lt;id&gt; --as &lt;staff subject&gt; --file &lt;path|-&gt; [--format jsonl|csv]
/// [--batch 10000] [--ahead 2] [--errors &lt;path&gt;]</c>, plus the service's usual configuration (database, keys).
/// Loads a tenant's customer base from a file with the same code as <c>POST /v1/consumers/imports</c>, acting as the
/// named staff member of the tenant (who must be an active tenant_admin: the command is authorised and audited exactly
/// like the endpoint). Progress goes to stderr every second, the report as JSON to stdout, and with --errors every
/// refused line as a JSON line to that file. Exit code 0 when every line loaded or was a duplicate, 1 when lines were
/// refused, 2 for usage errors, 3 when the import was refused as a whole, 4 when a database fault stopped it (the batches
/// reported as loaded are committed; running the same file again completes it, the loaded lines coming back as duplicates).
/// </summary>
public static class ImportConsumersCommandLine
{
    public const string Name = "import-consumers";

    public const string Usage =
        "usage: import-consumers --tenant <tenant id> --as <staff subject (tenant_admin)> --file <path or -> " +
        "[--format jsonl|csv] [--batch N] [--ahead N] [--errors <path>]";

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args[1..] });
        var config = builder.Configuration;
        if (!Guid.TryParse(config["tenant"], out var tenantId) || tenantId == Guid.Empty
            || string.IsNullOrWhiteSpace(config["as"]) || string.IsNullOrWhiteSpace(config["file"]))
        {
            await error.WriteLineAsync(Usage);
            return 2;
        }

        var file = config["file"]!;
        var format = (config["format"] ?? (file.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) ? "csv" : "jsonl")).ToLowerInvariant() switch
        {
            "csv" => ConsumerImportFormat.Csv,
            "jsonl" or "ndjson" or "json-lines" => (ConsumerImportFormat?)ConsumerImportFormat.JsonLines,
            _ => null,
        };
        var batch = config.GetValue("batch", new ConsumerImportOptions().BatchSize);
        var ahead = config.GetValue("ahead", new ConsumerImportOptions().BatchesAhead);
        if (format is null || batch is < 1 or > ImportConsumersCommand.MaxLines || ahead is < 1 or > 64)
        {
            await error.WriteLineAsync(Usage);
            return 2;
        }

        builder.AddCmsServices();
        // The staff member named by --as, in the tenant named by --tenant; the authorization behaviour still reads that
        // member's roles from the database.
        var principal = new CliPrincipal();
        principal.ActAsStaff(tenantId, config["as"]!);
        builder.Services.Replace(ServiceDescriptor.Singleton<ICurrentPrincipal>(principal));
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        await using var host = builder.Build();

        await using var input = file == "-" ? Console.OpenStandardInput() : File.OpenRead(file);
        await using var errors = config["errors"] is { Length: > 0 } path ? new StreamWriter(path) : null;
        var json = host.Services.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        var progress = new ThrottledProgress(error);
        var importer = host.Services.GetRequiredService<ConsumerImporter>();
        try
        {
            var result = await importer.RunAsync(input, format.Value, json,
                new ConsumerImportOptions { BatchSize = batch, BatchesAhead = ahead, ReadWhileAuthorizing = true }, progress,
                errors is null ? null : e => errors.WriteLine(JsonSerializer.Serialize(e, json)), CancellationToken.None);
            if (!result.IsSuccess)
            {
                await error.WriteLineAsync($"import refused: {result.Error.Code}: {result.Error.Message}");
                return 3;
            }

            progress.Finish(result.Value);
            await output.WriteLineAsync(JsonSerializer.Serialize(result.Value, json));
            return result.Value.Rejected > 0 ? 1 : 0;
        }
        catch (ConsumerImportFormatException ex)
        {
            await error.WriteLineAsync($"import refused: {ex.Message}");
            return 3;
        }
        catch (DbException ex)
        {
            // A fault the batch's retries did not absorb (a statement timeout, a read-only standby): said, not thrown,
            // so the operator learns how far the import got instead of reading a crash. The error's code and class
            // only: a driver's message may quote a row's values.
            await error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"import stopped by a database error ({ex.GetType().Name} {ex.SqlState}) after {progress.CommittedLines:N0} lines committed; run it again with the same file to complete it (loaded lines are skipped as duplicates)"));
            return 4;
        }
    }

    private sealed class ThrottledProgress(TextWriter error) : IProgress<ConsumerImportProgress>
    {
        private readonly Stopwatch _since = Stopwatch.StartNew();

        /// <summary>Lines of the batches committed so far (they are reported in file order, once committed).</summary>
        public long CommittedLines { get; private set; }

        public void Report(ConsumerImportProgress value)
        {
            CommittedLines = value.Lines;
            if (_since.Elapsed < TimeSpan.FromSeconds(1))
            {
                return;
            }

            _since.Restart();
            error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"[import] {value.Lines:N0} lines: {value.Imported:N0} imported, {value.Duplicates:N0} duplicates, {value.Rejected:N0} refused; {value.RowsPerSecond:N0} rows/s, {value.Elapsed.TotalSeconds:N0} s"));
        }

        public void Finish(ConsumerImportReport report) =>
            error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"[import] done: {report.Lines:N0} lines: {report.Imported:N0} imported, {report.Duplicates:N0} duplicates, {report.Rejected:N0} refused in {report.Seconds:N1} s ({(report.Seconds > 0 ? report.Lines / report.Seconds : 0):N0} rows/s)"));
    }
}
