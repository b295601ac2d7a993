using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;
using Cms.Api.Http;
using Cms.Application.Consumers.ImportConsumers;
using Cms.Domain.Common;
using Cms.Infrastructure.Resilience;
using Mediator;

namespace Cms.Api.Import;

/// <summary>How an import runs.</summary>
public sealed record ConsumerImportOptions
{
    /// <summary>Lines per batch: one transaction and one audit entry each.</summary>
    public int BatchSize { get; init; } = 10_000;

    /// <summary>Batches read and parsed ahead of the one being written (parsing uses every core while the database
    /// works on the previous batch). Batches are written one after another, in file order.</summary>
    public int BatchesAhead { get; init; } = 2;

    /// <summary>Row errors kept in the report (all are counted; the sink, if any, gets every one).</summary>
    public int MaxReportedErrors { get; init; } = 1_000;
}

/// <summary>Where an import stands, for progress display (counts only, never content).</summary>
public sealed record ConsumerImportProgress(long Lines, long Imported, long Duplicates, long Rejected, TimeSpan Elapsed)
{
    public double RowsPerSecond => Elapsed.TotalSeconds > 0 ? Lines / Elapsed.TotalSeconds : 0;
}

/// <summary>The outcome of an import. Errors name lines, codes, fields and rules; never a value from the file.</summary>
public sealed record ConsumerImportReport(
    Guid ImportId,
    long Lines,
    long Imported,
    long Duplicates,
    long Rejected,
    double Seconds,
    IReadOnlyList<ConsumerImportError> Errors,
    bool ErrorsTruncated);

/// <summary>
/// The bulk consumer import shared by <c>POST /v1/consumers/imports</c> and the <c>import-consumers</c> command: reads
/// the file as a stream (bounded memory whatever its size), cuts it into batches and parses each on every core while the
/// previous batch is written, then runs each batch as one <see cref="ImportConsumersCommand"/> (authorization,
/// validation, one transaction, one audit entry) in its own service scope, retried as one unit of database work
/// (<see cref="DatabaseUnitOfWork"/>: a transient failure sends the same batch again; the endpoint itself is never
/// retried, since its body cannot be read twice). Batches are written one at a time in file
/// order, so when a reference appears twice in a file the first line is the one loaded and the later one is reported
/// as the duplicate, whatever retries or lock waits happen on the way (the tenant's audit chain head serialises the
/// commits of a tenant anyway). Batches commit independently: an interrupted import is completed by running it again
/// (lines already loaded come back as duplicates and are skipped).
/// </summary>
public sealed class ConsumerImporter(IServiceScopeFactory scopes, ILogger<ConsumerImporter> logger)
{
    public async Task<Result<ConsumerImportReport>> RunAsync(
        Stream input,
        ConsumerImportFormat format,
        JsonSerializerOptions json,
        ConsumerImportOptions options,
        IProgress<ConsumerImportProgress>? progress,
        Action<ConsumerImportError>? errorSink,
        CancellationToken cancellationToken)
    {
        var importId = Ids.New();
        var clock = Stopwatch.StartNew();

        // The use case with no line first: the caller is authorized (tenant_admin) before a line of the body is read, so
        // an empty file, a header-only CSV or a malformed body is refused to any other role exactly like a full file.
        var admitted = await RunBatchAsync(new ImportConsumersCommand(importId, []), cancellationToken);
        if (!admitted.IsSuccess)
        {
            return admitted.Error;
        }

        var parsed = Channel.CreateBounded<ConsumerImportLine[]>(new BoundedChannelOptions(Math.Max(1, options.BatchesAhead))
        {
            SingleWriter = true,
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        // Reads and parses, batch by batch, ahead of the writer.
        var reader = Task.Run(async () =>
        {
            try
            {
                CsvConsumerColumns? columns = null;
                var batch = new List<RawRecord>(options.BatchSize);
                await foreach (var record in ImportRecords.ReadAsync(input, format == ConsumerImportFormat.Csv, stop.Token))
                {
                    if (format == ConsumerImportFormat.Csv && columns is null)
                    {
                        columns = CsvConsumerColumns.FromHeader(record);
                        continue;
                    }

                    batch.Add(record);
                    if (batch.Count == options.BatchSize)
                    {
                        await parsed.Writer.WriteAsync(Parse(batch, columns, json), stop.Token);
                        batch = new List<RawRecord>(options.BatchSize);
                    }
                }

                if (format == ConsumerImportFormat.Csv && columns is null)
                {
                    throw new ConsumerImportFormatException("The CSV file has no header row.");
                }

                if (batch.Count > 0)
                {
                    await parsed.Writer.WriteAsync(Parse(batch, columns, json), stop.Token);
                }

                parsed.Writer.Complete();
            }
            catch (Exception ex)
            {
                parsed.Writer.Complete(ex);
                throw;
            }
        }, stop.Token);

        var totals = new Totals();
        var errors = new List<ConsumerImportError>();
        var truncated = false;
        Error? failure = null;
        try
        {
            await foreach (var lines in parsed.Reader.ReadAllAsync(stop.Token))
            {
                // The batch's transaction is the unit retried on a transient failure (40001, a lost connection...),
                // never the import: the lines are in memory, so a retry sends the same batch again. A rolled-back
                // attempt left nothing behind; a connection lost during COMMIT is not retried (no replayable record of
                // the batch), it stops the import, and a re-run skips what that COMMIT may have loaded as duplicates.
                var result = await RunBatchAsync(new ImportConsumersCommand(importId, lines), stop.Token);
                if (!result.IsSuccess)
                {
                    failure = result.Error;
                    break;
                }

                var batch = result.Value;
                totals.Lines += lines.Length;
                totals.Imported += batch.Imported;
                totals.Duplicates += batch.Duplicates;
                totals.Rejected += batch.Rejected;
                foreach (var error in batch.Errors)
                {
                    errorSink?.Invoke(error);
                    if (errors.Count < options.MaxReportedErrors)
                    {
                        errors.Add(error);
                    }
                    else
                    {
                        truncated = true;
                    }
                }

                progress?.Report(new ConsumerImportProgress(totals.Lines, totals.Imported, totals.Duplicates, totals.Rejected, clock.Elapsed));
            }
        }
        finally
        {
            // The reader stops too when the writer stopped early (a refused batch, a fault, a cancelled request). Its
            // own fault has already reached the writer through the channel, and a cancellation is the writer's doing,
            // so awaiting it only observes the task.
            await stop.CancelAsync();
            await reader.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        if (failure is not null)
        {
            logger.LogWarning("Consumer import {ImportId} stopped after {Lines} lines: {Code}", importId, totals.Lines, failure.Code);
            return failure;
        }

        logger.LogInformation(
            "Consumer import {ImportId}: {Lines} lines, {Imported} imported, {Duplicates} duplicates, {Rejected} rejected in {Seconds:F1} s",
            importId, totals.Lines, totals.Imported, totals.Duplicates, totals.Rejected, clock.Elapsed.TotalSeconds);
        return new ConsumerImportReport(importId, totals.Lines, totals.Imported, totals.Duplicates, totals.Rejected,
            Math.Round(clock.Elapsed.TotalSeconds, 3), errors, truncated);
    }

    /// <summary>One batch in its own service scope, retried as one unit of database work.</summary>
    private async Task<Result<ConsumerImportBatchResult>> RunBatchAsync(ImportConsumersCommand command, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var services = scope.ServiceProvider;
        return await DatabaseUnitOfWork.RunAsync(services, new TransactionAttempts(),
            token => services.GetRequiredService<ISender>().Send(command, token), null, cancellationToken);
    }

    private static ConsumerImportLine[] Parse(List<RawRecord> records, CsvConsumerColumns? columns, JsonSerializerOptions json)
    {
        var lines = new ConsumerImportLine[records.Count];
        Parallel.For(0, records.Count, i => lines[i] = columns is not null
            ? columns.Parse(records[i])
            : JsonLinesConsumers.Parse(records[i], json));
        return lines;
    }

    private sealed class Totals
    {
        public long Lines;
        public long Imported;
        public long Duplicates;
        public long Rejected;
    }
}
