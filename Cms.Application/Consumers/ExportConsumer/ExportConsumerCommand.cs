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
/// responses), its notes and its audit history, each read as it is written out.</summary>
public sealed record ExportedComplaint(ComplaintDto Complaint, IAsyncEnumerable<NoteDto> Notes, IAsyncEnumerable<AuditEntryDto> History);

/// <summary>The export: the consumer, their complaints and the audit entries about the consumer record.</summary>
public sealed record ConsumerExport(DateTimeOffset ExportedAt, ConsumerDto Consumer, IAsyncEnumerable<ExportedComplaint> Complaints,
    IAsyncEnumerable<AuditEntryDto> Audit);

public sealed class ExportConsumerValidator : IValidator<ExportConsumerCommand>
{
    public void Validate(ExportConsumerCommand request, ValidationErrors errors) => errors.Id("id", request.ConsumerId);
}

internal sealed class ExportConsumerHandler(IConsumerQueries consumers, IComplaintQueries complaints, IAuditQueries audit,
    AuditTrail trail, TimeProvider clock) : ICommandHandler<ExportConsumerCommand, Result<ConsumerExport>>
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
        CursorKey? after = null;
        do
        {
            var page = await complaints.ListAsync(new ComplaintFilter(ConsumerId: consumerId), now, PageSize, after, cancellationToken);
            foreach (var summary in page.Items)
            {
                if (await complaints.GetAsync(summary.Id, now, cancellationToken) is { } complaint)
                {
                    yield return new ExportedComplaint(complaint, NotesAsync(complaint.Id), AuditAsync(AuditTrail.Complaint, complaint.Id));
                }
            }

            after = Next(page);
        }
        while (after is not null);
    }

    private async IAsyncEnumerable<NoteDto> NotesAsync(Guid complaintId, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        CursorKey? after = null;
        do
        {
            var page = await complaints.ListNotesAsync(complaintId, PageSize, after, cancellationToken);
            foreach (var note in page.Items)
            {
                yield return note;
            }

            after = Next(page);
        }
        while (after is not null);
    }

    private async IAsyncEnumerable<AuditEntryDto> AuditAsync(string entityType, Guid entityId,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        CursorKey? after = null;
        do
        {
            var page = await audit.ListAsync(entityType, entityId, PageSize, after, cancellationToken);
            foreach (var entry in page.Items)
            {
                yield return entry;
            }

            after = Next(page);
        }
        while (after is not null);
    }

    private static CursorKey? Next<T>(Page<T> page) => Cursor.TryDecode(page.NextCursor, out var key) ? key : null;
}
