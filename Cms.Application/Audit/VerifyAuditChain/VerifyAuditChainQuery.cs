using Cms.Application.Common;
using Cms.Domain.Common;
using Mediator;

namespace Cms.Application.Audit.VerifyAuditChain;

/// <summary>The verdict on a tenant's audit chain; <see cref="FirstBrokenEntryId"/> names the first entry that does not fit.</summary>
public sealed record AuditVerificationDto(bool Valid, long EntriesChecked, Guid? FirstBrokenEntryId, string? Problem);

/// <summary>Walks the caller's tenant's audit chain from the first entry to the head, then the entries not linked yet (auditor).</summary>
public sealed record VerifyAuditChainQuery : IQuery<Result<AuditVerificationDto>>, IUseCaseMessage
{
    UseCase IUseCaseMessage.UseCase => UseCase.VerifyAuditChain;
}

/// <summary>
/// Walks every linked entry, then compares the end with the chain's head; the sealer may link more meanwhile, so the
/// walk continues up to a head read after it, and only an end that still does not meet the head is reported. Then the
/// entries not linked yet are checked against their own HMACs.
/// </summary>
internal sealed class VerifyAuditChainHandler(IAuditChainReader reader, AuditChain chain)
    : IQueryHandler<VerifyAuditChainQuery, Result<AuditVerificationDto>>
{
    private const int BatchSize = 1000;

    public async ValueTask<Result<AuditVerificationDto>> Handle(VerifyAuditChainQuery query, CancellationToken cancellationToken)
    {
        var walk = new Walk();
        AuditChainHead head;
        var rounds = 0;
        do
        {
            var broken = await WalkAsync(walk, cancellationToken);
            if (broken is not null)
            {
                return broken;
            }

            head = await reader.GetHeadAsync(cancellationToken) ?? new AuditChainHead(0, AuditChain.Genesis);
        }
        while (walk.LastSequence < head.LastSequence && ++rounds < 3);

        if (walk.LastSequence > head.LastSequence)
        {
            return new AuditVerificationDto(false, walk.Checked, walk.IdOf(head.LastSequence + 1),
                $"the entry is linked beyond the chain's head (entry {head.LastSequence}): it was inserted");
        }

        if (walk.LastSequence != head.LastSequence || head.LastHash != walk.Previous)
        {
            return new AuditVerificationDto(false, walk.Checked, null,
                $"the chain ends at entry {walk.LastSequence} but its head records entry {head.LastSequence} (entries at the end were removed)");
        }

        var checkedCount = walk.Checked;
        long afterWrite = 0;
        while (true)
        {
            var unlinked = await reader.ReadUnlinkedAsync(afterWrite, BatchSize, cancellationToken);
            foreach (var (entry, entryHmac, writeId) in unlinked)
            {
                checkedCount++;
                if (!chain.VerifyEntry(entry, entryHmac))
                {
                    return new AuditVerificationDto(false, checkedCount, entry.Id,
                        "the entry, not linked into the chain yet, does not match its own HMAC (it was edited)");
                }

                afterWrite = writeId;
            }

            if (unlinked.Count < BatchSize)
            {
                return new AuditVerificationDto(true, checkedCount, null, null);
            }
        }
    }

    /// <summary>Checks the linked entries after <see cref="Walk.LastSequence"/>; null when all fit.</summary>
    private async Task<AuditVerificationDto?> WalkAsync(Walk walk, CancellationToken cancellationToken)
    {
        while (true)
        {
            var batch = await reader.ReadAsync(walk.LastSequence, BatchSize, cancellationToken);
            foreach (var entry in batch)
            {
                walk.Checked++;
                var expected = walk.LastSequence + 1;
                var problem = entry.Sequence != expected ? $"expected entry number {expected}, found number {entry.Sequence} (an entry is missing, added or moved)"
                    : entry.PreviousHash != walk.Previous ? "the entry does not link to the one before it (entries were removed or reordered)"
                    : !chain.VerifyEntry(entry.Entry, entry.EntryHmac) || !chain.VerifyLink(entry) ? "the entry's content does not match its hash (it was edited)"
                    : null;
                if (problem is not null)
                {
                    return new AuditVerificationDto(false, walk.Checked, entry.Entry.Id, problem);
                }

                walk.Passed(entry);
            }

            if (batch.Count < BatchSize)
            {
                return null;
            }
        }
    }

    /// <summary>How far the walk got; the ids of the last entries, to name one found beyond the head.</summary>
    private sealed class Walk
    {
        private readonly Queue<(long Sequence, Guid Id)> _recent = new();

        public long LastSequence { get; private set; }

        public string Previous { get; private set; } = AuditChain.Genesis;

        public long Checked { get; set; }

        public void Passed(ChainedAuditEntry entry)
        {
            (LastSequence, Previous) = (entry.Sequence, entry.Hash);
            _recent.Enqueue((entry.Sequence, entry.Entry.Id));
            if (_recent.Count > BatchSize)
            {
                _recent.Dequeue();
            }
        }

        public Guid? IdOf(long sequence) => _recent.Where(r => r.Sequence == sequence).Select(r => (Guid?)r.Id).FirstOrDefault();
    }
}
