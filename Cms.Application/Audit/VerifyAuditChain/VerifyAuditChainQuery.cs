using Cms.Application.Abstractions;
using Cms.Application.Common;
using Cms.Domain.Common;
using Mediator;

namespace Cms.Application.Audit.VerifyAuditChain;

/// <summary>The verdict on a tenant's audit chain; <see cref="FirstBrokenEntryId"/> names the first entry that does not fit.</summary>
public sealed record AuditVerificationDto(bool Valid, long EntriesChecked, Guid? FirstBrokenEntryId, string? Problem);

/// <summary>Walks the caller's tenant's audit chain from the first entry to the head (auditor).</summary>
public sealed record VerifyAuditChainQuery : IQuery<Result<AuditVerificationDto>>, IUseCaseMessage
{
    UseCase IUseCaseMessage.UseCase => UseCase.VerifyAuditChain;
}

internal sealed class VerifyAuditChainHandler(IAuditChainReader reader, AuditChain chain)
    : IQueryHandler<VerifyAuditChainQuery, Result<AuditVerificationDto>>
{
    private const int BatchSize = 1000;

    public async ValueTask<Result<AuditVerificationDto>> Handle(VerifyAuditChainQuery query, CancellationToken cancellationToken)
    {
        long expected = 1;
        var previous = AuditChain.Genesis;
        long checkedCount = 0;
        while (true)
        {
            var batch = await reader.ReadAsync(expected - 1, BatchSize, cancellationToken);
            foreach (var entry in batch)
            {
                checkedCount++;
                var problem = entry.Sequence != expected ? $"expected entry number {expected}, found number {entry.Sequence} (an entry is missing, added or moved)"
                    : entry.PreviousHash != previous ? "the entry does not link to the one before it (entries were removed or reordered)"
                    : !chain.Verify(entry) ? "the entry's content does not match its hash (it was edited)"
                    : null;
                if (problem is not null)
                {
                    return new AuditVerificationDto(false, checkedCount, entry.Entry.Id, problem);
                }

                previous = entry.Hash;
                expected++;
            }

            if (batch.Count < BatchSize)
            {
                break;
            }
        }

        var head = await reader.GetHeadAsync(cancellationToken);
        var lastSequence = expected - 1;
        if ((head?.LastSequence ?? 0) != lastSequence || (head?.LastHash ?? AuditChain.Genesis) != previous)
        {
            return new AuditVerificationDto(false, checkedCount, null,
                $"the chain ends at entry {lastSequence} but its head records entry {head?.LastSequence ?? 0} (entries at the end were removed)");
        }

        return new AuditVerificationDto(true, checkedCount, null, null);
    }
}
