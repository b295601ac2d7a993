using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;
using Cms.Api.Http;
using Cms.Application.Consumers.ImportConsumers;
using Cms.Domain.Common;
using Cms.Infrastructure.Persistence;
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

    /// <summary>Whether the first batches are read and parsed while the caller's authorization is checked (the command
    /// line, run by an operator: its start-up then uses both cores); the endpoint reads nothing of an unauthorized
    /// caller's body.</summary>
    public bool ReadWhileAuthorizing { get; init; }

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
/// retried, since its body cannot be read twice). Batches insert and commit one at a time in file order (on PostgreSQL
/// the next batch checks, seals and stages its rows meanwhile, and inserts once the previous one committed), so when a
/// reference appears twice in a file the first line is the one loaded and the later one is reported as the duplicate,
/// whatever retries or lock waits happen on the way, and a batch after a failed one writes nothing. Batches commit independently: an interrupted import is completed by running it again
/// (lines already loaded come back as duplicates and are skipped).
/// </summary>
public sealed class ConsumerImporter(IServiceScopeFactory scopes, DatabaseOptions database, ILogger<ConsumerImporter> logger)
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

        var parsed = Channel.CreateBounded<ConsumerImportLine[]>(new BoundedChannelOptions(Math.Max(1, options.BatchesAhead))
        {
            SingleWriter = true,
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        // The use case with no line first: the caller is authorized (tenant_admin) before a line of the body is taken, so
        // an empty file, a header-only CSV or a malformed body is refused to any other role exactly like a full file. The
        // command line reads and parses its first batches meanwhile (ReadWhileAuthorizing); their outcome, a format
        // error included, is looked at only once the caller is admitted.
        var reader = options.ReadWhileAuthorizing ? StartReader() : null;
        var admitted = await RunBatchAsync(new ImportConsumersCommand(importId, []), cancellationToken);
        if (!admitted.IsSuccess)
        {
            if (reader is not null)
            {
                await stop.CancelAsync();
                await reader.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }

            return admitted.Error;
        }

        reader ??= StartReader();

        var totals = new Totals();
        var errors = new List<ConsumerImportError>();
        var truncated = false;
        Error? failure = null;
        // Batches in flight, oldest first: on PostgreSQL at most two from the first batch on, the second checking, sealing
        // and staging its rows while the first inserts and commits; it inserts only after the first committed
        // (ImportConsumersCommand.PreviousBatchCommitted), so rows reach the tables in file order, and it creates the
        // tenant's key, when there is none yet, only after that too (ConsumerBulkWriter).
        var inFlight = new Queue<Batch>();
        var overlap = database.Provider == DatabaseProvider.Postgres; // (SQLite has one writer at a time)
        try
        {
            await foreach (var lines in parsed.Reader.ReadAllAsync(stop.Token))
            {
                while (inFlight.Count > 0 && (inFlight.Count > 1 || !overlap) && failure is null)
                {
                    failure = await TakeAsync(inFlight.Dequeue());
                }

                if (failure is not null)
                {
                    break;
                }

                // The batch's transaction is the unit retried on a transient failure (40001, a lost connection...),
                // never the import: the lines are in memory, so a retry sends the same batch again. A rolled-back
                // attempt left nothing behind; a connection lost during COMMIT is not retried (no replayable record of
                // the batch), it stops the import, and a re-run skips what that COMMIT may have loaded as duplicates.
                // A batch whose references are none of the previous batch's inserts beside it (both cores busy with the
                // two batches' inserts) and commits after it; one that repeats one of them waits for that commit first,
                // so the earlier line is the one loaded.
                var previous = inFlight.Count > 0 ? inFlight.Peek() : null;
                var references = References(lines);
                var beside = previous is not null && !previous.References.Overlaps(references);
                var run = RunBatchAsync(new ImportConsumersCommand(importId, lines, previous?.Committed, beside), stop.Token);
                inFlight.Enqueue(new Batch(lines.Length, references, run, run.ContinueWith(static t => t.IsCompletedSuccessfully && t.Result.IsSuccess,
                    CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default)));
            }

            while (inFlight.Count > 0 && failure is null)
            {
                failure = await TakeAsync(inFlight.Dequeue());
            }
        }
        finally
        {
            // The reader stops too when the writer stopped early (a refused batch, a fault, a cancelled request). Its
            // own fault has already reached the writer through the channel, and a cancellation is the writer's doing,
            // so awaiting it only observes the task. A batch still in flight after a failure writes nothing (it waits
            // for the failed one, then gives up); it is awaited so that nothing of the import outlives it.
            await stop.CancelAsync();
            await reader.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            while (inFlight.Count > 0)
            {
                await inFlight.Dequeue().Run.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously,
                    TaskScheduler.Default);
            }
        }

        // Reads and parses, batch by batch, ahead of the writer.
        Task StartReader() => Task.Run(async () =>
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

        // A batch's outcome into the totals and the report, in file order; its error when it failed.
        async Task<Error?> TakeAsync(Batch taken)
        {
            var result = await taken.Run;
            if (!result.IsSuccess)
            {
                return result.Error;
            }

            var batch = result.Value;
            totals.Lines += taken.Lines;
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
            return null;
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

    /// <summary>The external references of a batch's lines as their blind index sees them (trimmed).</summary>
    private static HashSet<string> References(ConsumerImportLine[] lines)
    {
        var references = new HashSet<string>(lines.Length, StringComparer.Ordinal);
        foreach (var line in lines)
        {
            if (line.Consumer?.ExternalRef is { } reference)
            {
                references.Add(reference.Trim());
            }
        }

        return references;
    }

    /// <summary>A batch in flight: its line count, its references, its run, and whether it committed (false when it
    /// failed).</summary>
    private sealed record Batch(int Lines, HashSet<string> References, Task<Result<ConsumerImportBatchResult>> Run, Task<bool> Committed);

    private sealed class Totals
    {
        public long Lines;
        public long Imported;
        public long Duplicates;
        public long Rejected;
    }
}
