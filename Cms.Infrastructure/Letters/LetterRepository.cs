using Cms.Application.Abstractions;
using Cms.Application.Letters;
using Cms.Domain.Common;
using Cms.Domain.Letters;
using Cms.Infrastructure.Crypto;
using Cms.Infrastructure.Persistence;

namespace Cms.Infrastructure.Letters;

/// <summary>The send log: letters sealed under their consumer's key (one key read per consumer and request, <see cref="ConsumerTextKeys"/>).</summary>
internal sealed class LetterRepository(DbSession db, TenantScope scope, ConsumerTextKeys texts, LockedRows locked) : ILetterRepository
{
    private const string Table = "letters";

    public async Task AddAsync(Letter letter, Guid consumerId, CancellationToken cancellationToken)
    {
        TenantGuard.Check(scope, letter.State.TenantId);
        var cipher = await texts.ForConsumerAsync(consumerId, cancellationToken);
        await db.DeferAsync(LetterRow.Map.Insert, LetterRow.Parameters(letter, cipher), cancellationToken); // with COMMIT (docs/adr/0011)
    }

    public Func<CancellationToken, Task<Letter?>> GetWithComplaint(Guid complaintId, Guid letterId)
    {
        var read = db.ReadAlong<LetterRow>(
            $"SELECT {LetterRow.Map.Columns} FROM letters WHERE tenant_id = @TenantId AND id = @Id AND complaint_id = @ComplaintId{locked.Clause()}",
            new { TenantId = scope.Required, Id = letterId, ComplaintId = complaintId });
        return async cancellationToken =>
        {
            if (await read(cancellationToken) is not { } row)
            {
                return null;
            }

            locked.Read(Table, letterId, row.Version);
            return row.ToDomain(await texts.ForComplaintAsync(complaintId, cancellationToken));
        };
    }

    public async Task<bool> UpdateAsync(Letter letter, long expectedVersion, CancellationToken cancellationToken)
    {
        var s = letter.State;
        return await locked.UpdateAsync(Table, s.Id, expectedVersion, s.Version,
            $"UPDATE letters SET {LetterRow.Map.UpdateSet} WHERE {LetterRow.Map.KeyEquals} AND version = @ExpectedVersion",
            new
            {
                TenantId = TenantGuard.Check(scope, s.TenantId),
                s.Id,
                Status = s.Status.ToWire(),
                s.ApprovedBy,
                s.ApprovedAt,
                Channel = s.Channel?.ToWire(),
                s.SentAt,
                s.Version,
                ExpectedVersion = expectedVersion,
            },
            cancellationToken);
    }

    public async Task<IReadOnlyList<LetterDto>> ListAsync(Guid complaintId, CancellationToken cancellationToken)
    {
        var rows = await db.QueryAsync<LetterRow>(
            $"SELECT {LetterRow.Map.Columns} FROM letters WHERE tenant_id = @TenantId AND complaint_id = @ComplaintId ORDER BY created_at, id",
            new { TenantId = scope.Required, ComplaintId = complaintId }, cancellationToken);
        if (rows.Count == 0)
        {
            return [];
        }

        var cipher = await texts.ForComplaintAsync(complaintId, cancellationToken);
        return [.. rows.Select(r => r.ToDto(cipher))];
    }
}
