using Cms.Application.Abstractions;
using Cms.Application.Consumers.ImportConsumers;
using Cms.Application.Consumers.RegisterConsumer;
using Cms.Domain.Common;
using Cms.Domain.Consumers;

namespace Cms.Tests.Application.Consumers;

/// <summary>
/// The import batch's handler checks its lines on every core: the consumers still reach the writer in the order of their
/// lines (so the first line of a repeated reference is the one loaded), and the report lists every refused line once, in
/// line order, whatever order the cores finished in.
/// </summary>
public sealed class ImportConsumersHandlerTests
{
    private sealed class RecordingBulkWriter : IConsumerBulkWriter
    {
        public List<Consumer> Written { get; } = [];

        public int Prepared { get; private set; }

        public Task PrepareAsync(CancellationToken cancellationToken)
        {
            Prepared++;
            return Task.CompletedTask;
        }

        public async Task<IReadOnlyList<int>> AddManyAsync(IReadOnlyList<Consumer> consumers, Func<CancellationToken, Task>? beforeInsert,
            bool insertBeside, CancellationToken cancellationToken)
        {
            if (beforeInsert is not null && !insertBeside)
            {
                await beforeInsert(cancellationToken);
            }

            Written.AddRange(consumers);
            // The second of each external reference in the call is a duplicate, as the database writer reports it.
            var seen = new HashSet<string>();
            return [.. Enumerable.Range(0, consumers.Count).Where(i => !seen.Add(consumers[i].ExternalRef))];
        }
    }

    [Test]
    public async Task Lines_checked_on_every_core_keep_their_order_in_the_writes_and_in_the_report()
    {
        var world = new World();
        var cast = world.SeedCast();
        world.ActAs(cast.Admin);
        var writer = new RecordingBulkWriter();
        var handler = new ImportConsumersHandler(writer, new RegisterConsumerValidator(world.Clock), world.Scope, world.Audit, world.Clock);

        // 5,000 lines: every 7th unreadable, every 11th without a name, every 13th repeating the reference of the line before.
        var lines = Enumerable.Range(1, 5_000).Select(n => new ConsumerImportLine(n,
            n % 7 == 0 ? null : new RegisterConsumerCommand(n % 13 == 0 ? $"REF-{n - 1}" : $"REF-{n}", n % 11 == 0 ? null : $"Name {n}",
                null, null, null, null, null),
            n % 7 == 0 ? "unreadable" : null)).ToList();

        var result = Expect.Success(await handler.Handle(new ImportConsumersCommand(Ids.New(), lines), CancellationToken.None));

        var good = lines.Where(l => l.Consumer is { FullName: not null }).ToList();
        var expectedErrors = lines
            .Where(l => l.Consumer is null || l.Consumer.FullName is null || (l.Line % 13 == 0 && good.Any(g => g.Line == l.Line - 1)))
            .Select(l => l.Line).ToList();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(writer.Written.Select(c => c.ExternalRef), Is.EqualTo(good.Select(l => l.Consumer!.ExternalRef)),
                "the consumers are written in the order of their lines");
            Assert.That(result.Errors.Select(e => e.Line), Is.EqualTo(expectedErrors), "one error per refused line, in line order");
            Assert.That(result.Rejected, Is.EqualTo(lines.Count(l => l.Consumer is null || l.Consumer.FullName is null)));
            Assert.That(result.Imported + result.Duplicates, Is.EqualTo(good.Count));
        }
    }

    [Test]
    public async Task The_empty_admission_batch_prepares_the_tenant_key_and_a_batch_of_lines_does_not()
    {
        var world = new World();
        var cast = world.SeedCast();
        world.ActAs(cast.Admin);
        var writer = new RecordingBulkWriter();
        var handler = new ImportConsumersHandler(writer, new RegisterConsumerValidator(world.Clock), world.Scope, world.Audit, world.Clock);

        var admitted = Expect.Success(await handler.Handle(new ImportConsumersCommand(Ids.New(), []), CancellationToken.None));
        Assert.That((admitted.Imported, admitted.Rejected, writer.Prepared, writer.Written.Count), Is.EqualTo((0, 0, 1, 0)));

        var line = new ConsumerImportLine(1, new RegisterConsumerCommand("REF-1", "Name 1", null, null, null, null, null));
        Expect.Success(await handler.Handle(new ImportConsumersCommand(Ids.New(), [line]), CancellationToken.None));
        Assert.That((writer.Prepared, writer.Written.Count), Is.EqualTo((1, 1)));
    }

    [Test]
    public async Task A_batch_beside_the_previous_one_writes_or_ends_only_after_that_one_committed_and_fails_after_it_failed()
    {
        var world = new World();
        var cast = world.SeedCast();
        world.ActAs(cast.Admin);
        var lines = Enumerable.Range(1, 20).Select(n => new ConsumerImportLine(n, new RegisterConsumerCommand($"REF-{n}", $"Name {n}",
            null, null, null, null, null))).ToList();

        foreach (var (committed, beside) in new[] { (true, false), (false, false), (true, true), (false, true) })
        {
            var writer = new RecordingBulkWriter();
            var handler = new ImportConsumersHandler(writer, new RegisterConsumerValidator(world.Clock), world.Scope, world.Audit, world.Clock);
            var previous = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            var handling = handler.Handle(new ImportConsumersCommand(Ids.New(), lines, previous.Task, beside), CancellationToken.None).AsTask();
            await Task.Delay(50);
            // Beside the previous batch (no reference in common) the rows are inserted at once; the batch still ends (its
            // audit entry, its commit) only after the previous one committed.
            Assert.That((handling.IsCompleted, writer.Written.Count), Is.EqualTo((false, beside ? 20 : 0)),
                "nothing written while the previous batch runs, unless beside it; not done before it either way");

            previous.SetResult(committed);
            var result = await handling;
            if (committed)
            {
                Assert.That((Expect.Success(result).Imported, writer.Written.Count), Is.EqualTo((20, 20)));
            }
            else
            {
                // (Beside it, the rows written are rolled back with the batch's transaction, which a failed result ends.)
                Assert.That((result.IsSuccess, result.Error?.Code, writer.Written.Count), Is.EqualTo((false, ImportConsumersHandler.StoppedCode, beside ? 20 : 0)));
            }
        }
    }
}
