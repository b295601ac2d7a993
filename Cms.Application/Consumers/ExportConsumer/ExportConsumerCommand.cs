using System.Runtime.CompilerServices;
using Cms.Application.Audit;
using Cms.Application.Common;
using Cms.Application.Complaints;
using Cms.Domain.Common;
using Mediator;

namespace Cms.Application.Consumers.ExportConsumer;

/// <summary>
/// Subject access and portability (UK GDPR arts. 15 and 20; issue 19 item 4): everything held about a consumer, decrypted.
/// The command records the export in the audit trail (committed before a byte is sent: a disclosure is on record even
/// when the client stops reading) and answers the export as lazy sequences that the API writes as one JSON document
/// while it reads them page by page, so a long history never sits in memory. An erased consumer answers 410.
/// </summary>
public sealed record ExportConsumerCommand(Guid ConsumerId) : ICommand<Result<ConsumerExport>>, IUseCaseMessage
{
    UseCase IUseCaseMessage.UseCase => UseCase.ExportConsumer;
}

/// <summary>One complaint of the export: the complaint as a GET shows it (deadlines, outcome, redress, referral,
/// responses), its letters (a complaint has a few), its notes and its audit history, each read as it is written out.</summary>
public sealed record ExportedComplaint(ComplaintDto Complaint, IReadOnlyList<Letters.LetterDto> Letters, IAsyncEnumerable<NoteDto> Notes,
    IAsyncEnumerable<AuditEntryDto> History);

/// <summary>The export: the consumer, their complaints and the audit entries about the consumer record.</summary>
public sealed record ConsumerExport(DateTimeOffset ExportedAt, ConsumerDto Consumer, IAsyncEnumerable<ExportedComplaint> Complaints,
    IAsyncEnumerable<AuditEntryDto> Audit);

public sealed class ExportConsumerValidator : IValidator<ExportConsumerCommand>
{
    public void Validate(ExportConsumerCommand request, ValidationErrors errors) => errors.Id("id", request.ConsumerId);
}

internal sealed class ExportConsumerHandler(IConsumerQueries consumers, IComplaintQueries complaints, Letters.ILetterRepository letters,
    IAuditQueries audit, AuditTrail trail, TimeProvider clock) : ICommandHandler<ExportConsumerCommand, Result<ConsumerExport>>
{
    /// <summary>Rows read per statement while the document is written.</summary>
    public const int PageSize = 100;

    public const string ErasedCode = "consumer.erased";

    public async ValueTask<Result<ConsumerExport>> Handle(ExportConsumerCommand command, CancellationToken cancellationToken)
    {
        var consumer = await consumers.GetAsync(command.ConsumerId, cancellationToken);
        if (consumer is null)
        {
            return Error.NotFound("consumer");
        }

        if (consumer.ErasedAt is not null)
        {
            return new Error(ErrorKind.Gone, ErasedCode, "The consumer's personal data has been erased: there is nothing left to export.");
        }

        await trail.RecordAsync("consumer.exported", AuditTrail.Consumer, consumer.Id, consumer.Version, [], cancellationToken);
        var now = clock.GetUtcNow();
        return new ConsumerExport(now, consumer, ComplaintsAsync(consumer.Id, now), AuditAsync(AuditTrail.Consumer, consumer.Id));
    }

    private async IAsyncEnumerable<ExportedComplaint> ComplaintsAsync(Guid consumerId, DateTimeOffset now,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var summaries = PagesAsync((after, ct) => complaints.ListAsync(new ComplaintFilter(ConsumerId: consumerId), now, PageSize, after, ct));
        await foreach (var summary in summaries.WithCancellation(cancellationToken))
        {
            if (await complaints.GetAsync(summary.Id, now, cancellationToken) is { } complaint)
            {
                yield return new ExportedComplaint(complaint, await letters.ListAsync(complaint.Id, cancellationToken),
                    PagesAsync((after, ct) => complaints.ListNotesAsync(complaint.Id, PageSize, after, ct)),
                    AuditAsync(AuditTrail.Complaint, complaint.Id));
            }
        }
    }

    private IAsyncEnumerable<AuditEntryDto> AuditAsync(string entityType, Guid entityId) =>
        PagesAsync((after, ct) => audit.ListAsync(entityType, entityId, PageSize, after, ct));

    /// <summary>Every item of a keyset-paged read, one page in memory at a time.</summary>
    private static async IAsyncEnumerable<T> PagesAsync<T>(Func<CursorKey?, CancellationToken, Task<Page<T>>> read,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        CursorKey? after = null;
        do
        {
            var page = await read(after, cancellationToken);
            foreach (var item in page.Items)
            {
                yield return item;
            }

            after = Cursor.TryDecode(page.NextCursor, out var next) ? next : null;
        }
        while (after is not null);
    }
}
