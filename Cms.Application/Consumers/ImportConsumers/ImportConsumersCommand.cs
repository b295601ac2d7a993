using Cms.Application.Abstractions;
using Cms.Application.Audit;
using Cms.Application.Common;
using Cms.Application.Consumers.RegisterConsumer;
using Cms.Domain.Common;
using Cms.Domain.Consumers;
using Mediator;

namespace Cms.Application.Consumers.ImportConsumers;

/// <summary>One line of an import file: the consumer it holds, or why it could not be read (never its content).</summary>
public sealed record ConsumerImportLine(long Line, RegisterConsumerCommand? Consumer, string? Unreadable = null);

/// <summary>Why one line was not loaded. <see cref="Message"/> names the field and the rule, never the value.</summary>
public sealed record ConsumerImportError(long Line, string Code, string? Field, string Message);

/// <summary>What one batch did: how many consumers it added and which lines it refused.</summary>
public sealed record ConsumerImportBatchResult(int Imported, int Duplicates, int Rejected, IReadOnlyList<ConsumerImportError> Errors);

/// <summary>
/// One batch of a bulk consumer import (tenant onboarding its customer base; tenant_admin). Every line is checked by the
/// same rules as registering one consumer; lines that fail are reported and not loaded; a line whose external reference
/// already exists in the tenant (or earlier in the import) is reported as a duplicate and skipped, never overwritten, so
/// a re-run of an interrupted import loads only what is missing. The good lines of a batch are written in one
/// transaction, with one audit entry for the batch (action consumer.imported, entity consumer_import = the import's id).
/// <para><see cref="PreviousBatchCommitted"/>: the batch before it in the same import, when that one may still be running
/// (the importer overlaps one batch's checking, sealing and staging with the previous one's insert). The batch then
/// inserts only once that task has answered true (the previous batch committed), so the rows reach the tables in file
/// order exactly as one batch after the other; on false (it failed) the batch writes nothing and fails with
/// <see cref="ImportConsumersHandler.StoppedCode"/>.</para>
/// <para><see cref="InsertBesidePrevious"/>: no external reference of this batch is one of the previous batch's (the
/// importer compared them), so the batch inserts its rows while that one still runs, and waits for its commit only before
/// its audit entry and its own commit: batches still commit, and are audited, in file order, a batch after a failed one
/// is rolled back, and the first line of a reference is still the one loaded (a reference repeated across these two
/// batches makes the later one wait before inserting, as without it).</para>
/// </summary>
public sealed record ImportConsumersCommand(Guid ImportId, IReadOnlyList<ConsumerImportLine> Lines, Task<bool>? PreviousBatchCommitted = null,
    bool InsertBesidePrevious = false)
    : ICommand<Result<ConsumerImportBatchResult>>, IUseCaseMessage
{
    /// <summary>The most lines one batch may carry (bounds the transaction and the memory of one batch).</summary>
    public const int MaxLines = 50_000;

    UseCase IUseCaseMessage.UseCase => UseCase.ImportConsumers;
}

public sealed class ImportConsumersValidator : IValidator<ImportConsumersCommand>
{
    public void Validate(ImportConsumersCommand request, ValidationErrors errors)
    {
        errors.Id("importId", request.ImportId);
        // An empty batch is how an import with no lines (an empty file, a header-only CSV) still passes authorization.
        if (request.Lines is null || request.Lines.Count > ImportConsumersCommand.MaxLines)
        {
            errors.Add("lines", $"A batch holds at most {ImportConsumersCommand.MaxLines} lines.");
        }
    }
}

internal sealed class ImportConsumersHandler(
    IConsumerBulkWriter writer, IValidator<RegisterConsumerCommand> rules, TenantScope scope, AuditTrail audit, TimeProvider clock)
    : ICommandHandler<ImportConsumersCommand, Result<ConsumerImportBatchResult>>
{
    public const string DuplicateCode = "consumer.duplicate_external_ref";
    public const string InvalidCode = "validation";
    public const string UnreadableCode = "import.unreadable";
    public const string StoppedCode = "import.stopped";

    private static readonly string[] Fields = ["externalRef", "fullName", "email", "phone", "address", "dateOfBirth", "vulnerability"];

    public async ValueTask<Result<ConsumerImportBatchResult>> Handle(ImportConsumersCommand command, CancellationToken cancellationToken)
    {
        var tenantId = scope.Required;
        if (command.Lines.Count == 0)
        {
            // The import's admission (its first batch, empty, authorized like the others): the tenant's key is created now
            // when it has none, so that no batch after it waits for the one before it to commit to have a key.
            await writer.PrepareAsync(cancellationToken);
            return new ConsumerImportBatchResult(0, 0, 0, []);
        }

        var now = clock.GetUtcNow();
        var checkedLines = new CheckedLine[command.Lines.Count];
        // Every line is checked and built on every core (pure CPU, nothing shared but the read-only rules); the results
        // are then taken in file order, so the consumers keep the order of their lines (the first line of a repeated
        // reference is the one loaded) and the report is the same as line by line.
        Parallel.For(0, command.Lines.Count, new ParallelOptions { CancellationToken = cancellationToken },
            i => checkedLines[i] = Check(command.Lines[i], tenantId, now));

        var errors = new List<ConsumerImportError>();
        var consumers = new List<Consumer>(command.Lines.Count);
        var lines = new List<long>(command.Lines.Count);
        var rejected = 0;
        for (var i = 0; i < checkedLines.Length; i++)
        {
            if (checkedLines[i].Consumer is { } consumer)
            {
                consumers.Add(consumer);
                lines.Add(command.Lines[i].Line);
            }
            else
            {
                rejected++;
                errors.AddRange(checkedLines[i].Errors!);
            }
        }

        IReadOnlyList<int> duplicates = [];
        if (consumers.Count > 0)
        {
            try
            {
                var waitForPrevious = WaitForPreviousBatch(command.PreviousBatchCommitted);
                var beside = command.InsertBesidePrevious && waitForPrevious is not null;
                duplicates = await writer.AddManyAsync(consumers, waitForPrevious, beside, cancellationToken);
                if (beside)
                {
                    // Inserted beside the previous batch: its commit first, then this batch's audit entry and commit.
                    await waitForPrevious!(cancellationToken);
                }
            }
            catch (PreviousBatchFailedException)
            {
                return Error.Conflict(StoppedCode, "The batch before this one in the import failed; this batch was not written.");
            }
        }
        foreach (var position in duplicates)
        {
            errors.Add(new ConsumerImportError(lines[position], DuplicateCode, "externalRef",
                "A consumer with this external reference already exists in the tenant; the line was skipped."));
        }

        var imported = consumers.Count - duplicates.Count;
        if (imported > 0)
        {
            // Last, so the tenant's audit chain head (which serialises its writers) is locked only until the commit.
            await audit.RecordAsync("consumer.imported", AuditTrail.ConsumerImport, command.ImportId, AuditTrail.UnversionedEntity, Fields, cancellationToken);
        }

        errors.Sort((a, b) => a.Line.CompareTo(b.Line));
        return new ConsumerImportBatchResult(imported, duplicates.Count, rejected, errors);
    }

    private static Func<CancellationToken, Task>? WaitForPreviousBatch(Task<bool>? previousCommitted) => previousCommitted is null
        ? null
        : async token =>
        {
            if (!await previousCommitted.WaitAsync(token))
            {
                throw new PreviousBatchFailedException();
            }
        };

    private sealed class PreviousBatchFailedException : Exception;

    /// <summary>A line checked by the rules of registering one consumer: the consumer it registers, or its errors.</summary>
    private readonly record struct CheckedLine(Consumer? Consumer, IReadOnlyList<ConsumerImportError>? Errors);

    private CheckedLine Check(ConsumerImportLine line, Guid tenantId, DateTimeOffset now)
    {
        if (line.Consumer is not { } input)
        {
            return new CheckedLine(null, [new ConsumerImportError(line.Line, UnreadableCode, null, line.Unreadable ?? "The line is not a consumer.")]);
        }

        var check = new ValidationErrors();
        InputGuard.Check("", input, check);
        rules.Validate(input, check);
        if (check.Any)
        {
            return new CheckedLine(null, [.. check.Entries.Select(e => new ConsumerImportError(line.Line, InvalidCode, e.Field, e.Message))]);
        }

        var contact = new ContactDetails(input.FullName!, input.Email, input.Phone, ConsumerInput.ToDomain(input.Address));
        return new CheckedLine(Consumer.Register(Ids.New(), tenantId, input.ExternalRef!, contact, input.DateOfBirth,
            ConsumerInput.ToDomain(input.Vulnerability) ?? Vulnerability.None, now), null);
    }
}
