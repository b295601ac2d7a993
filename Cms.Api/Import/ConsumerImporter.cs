using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;
using Cms.Application.Consumers.ImportConsumers;
using Cms.Domain.Common;
using Mediator;

namespace Cms.Api.Import;

/// <summary>How an import runs.</summary>
public sealed record ConsumerImportOptions
{
    /// <summary>Lines per batch: one transaction and one audit entry each.</summary>
    public int BatchSize { get; init; } = 10_000;

    /// <summary>Batches in flight at once, each on its own connection (sealing inside a batch uses every core).</summary>
    public int Parallelism { get; init; } = 2;

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
/// the file as a stream (bounded memory whatever its size), cuts it into batches, and runs each batch as one
/// <see cref="ImportConsumersCommand"/> (authorization, validation, one transaction, one audit entry) in its own service
/// scope, several at a time. Batches commit independently: an interrupted import is completed by running it again
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
        var channel = Channel.CreateBounded<IReadOnlyList<RawRecord>>(new BoundedChannelOptions(Math.Max(1, options.Parallelism))
        {
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var totals = new Totals();
        var errors = new List<ConsumerImportError>();
        var truncated = false;
        Error? failure = null;
        var gate = new object();

        CsvConsumerColumns? columns = null;
        var producer = Task.Run(async () =>
        {
            try
            {
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
                        await channel.Writer.WriteAsync(batch, stop.Token);
                        batch = new List<RawRecord>(options.BatchSize);
                    }
                }

                if (format == ConsumerImportFormat.Csv && columns is null)
                {
                    throw new ConsumerImportFormatException("The CSV file has no header row.");
                }

                if (batch.Count > 0)
                {
                    await channel.Writer.WriteAsync(batch, stop.Token);
                }

                channel.Writer.Complete();
            }
            catch (Exception ex)
            {
                channel.Writer.Complete(ex);
                throw;
            }
        }, stop.Token);

        async Task ConsumeAsync()
        {
            await foreach (var records in channel.Reader.ReadAllAsync(stop.Token))
            {
                var lines = new ConsumerImportLine[records.Count];
                Parallel.For(0, records.Count, i => lines[i] = format == ConsumerImportFormat.Csv
                    ? columns!.Parse(records[i])
                    : JsonLinesConsumers.Parse(records[i], json));

                await using var scope = scopes.CreateAsyncScope();
                var sender = scope.ServiceProvider.GetRequiredService<ISender>();
                var result = await sender.Send(new ImportConsumersCommand(importId, lines), stop.Token);
                lock (gate)
                {
                    if (!result.IsSuccess)
                    {
                        failure ??= result.Error;
                    }
                }

                if (!result.IsSuccess)
                {
                    await stop.CancelAsync();
                    return;
                }

                lock (gate)
                {
                    var batch = result.Value;
                    totals.Lines += records.Count;
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
        }

        async Task ConsumeOrStopAllAsync()
        {
            try
            {
                await ConsumeAsync();
            }
            catch
            {
                await stop.CancelAsync();
                throw;
            }
        }

        Task[] all = [producer, .. Enumerable.Range(0, Math.Max(1, options.Parallelism)).Select(_ => Task.Run(ConsumeOrStopAllAsync, stop.Token))];
        try
        {
            await Task.WhenAll(all);
        }
        catch (Exception)
        {
            // The first real cause, not the cancellations it set off in the other tasks.
            var cause = all.Where(t => t.IsFaulted).SelectMany(t => t.Exception!.InnerExceptions)
                .FirstOrDefault(e => e is not OperationCanceledException and not ChannelClosedException);
            if (cause is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(cause);
            }

            if (failure is null)
            {
                throw;
            }
        }

        if (failure is not null)
        {
            logger.LogWarning("Consumer import {ImportId} stopped after {Lines} lines: {Code}", importId, totals.Lines, failure.Code);
            return failure;
        }

        logger.LogInformation(
            "Consumer import {ImportId}: {Lines} lines, {Imported} imported, {Duplicates} duplicates, {Rejected} rejected in {Seconds:F1} s",
            importId, totals.Lines, totals.Imported, totals.Duplicates, totals.Rejected, clock.Elapsed.TotalSeconds);
        errors.Sort((a, b) => a.Line.CompareTo(b.Line));
        return new ConsumerImportReport(importId, totals.Lines, totals.Imported, totals.Duplicates, totals.Rejected,
            Math.Round(clock.Elapsed.TotalSeconds, 3), errors, truncated);
    }

    private sealed class Totals
    {
        public long Lines;
        public long Imported;
        public long Duplicates;
        public long Rejected;
    }
}
