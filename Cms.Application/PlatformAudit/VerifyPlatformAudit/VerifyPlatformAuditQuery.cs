using Cms.Application.Common;
using Cms.Domain.Common;
using Mediator;

namespace Cms.Application.PlatformAudit.VerifyPlatformAudit;

/// <summary>The platform audit chain's verification: <c>firstBrokenSequence</c> names the first entry that is missing,
/// out of place, edited or not linked to the one before.</summary>
public sealed record PlatformAuditVerificationDto(bool Valid, long EntriesChecked, long? FirstBrokenSequence);

/// <summary><c>GET /v1/platform-audit/verify</c> (platform operators): walks the whole platform chain.</summary>
public sealed record VerifyPlatformAuditQuery : IQuery<Result<PlatformAuditVerificationDto>>, IUseCaseMessage
{
    UseCase IUseCaseMessage.UseCase => UseCase.VerifyPlatformAudit;
}

internal sealed class VerifyPlatformAuditHandler(IPlatformAuditLog log, PlatformAuditChain chain)
    : IQueryHandler<VerifyPlatformAuditQuery, Result<PlatformAuditVerificationDto>>
{
    private const int Page = 1000;

    public async ValueTask<Result<PlatformAuditVerificationDto>> Handle(VerifyPlatformAuditQuery query, CancellationToken cancellationToken)
    {
        PlatformAuditEntry? previous = null;
        long checkedCount = 0;
        while (true)
        {
            var entries = await log.ReadAsync(previous?.Sequence ?? 0, Page, cancellationToken);
            foreach (var entry in entries)
            {
                if (!chain.Follows(entry, previous))
                {
                    return new PlatformAuditVerificationDto(false, checkedCount, (previous?.Sequence ?? 0) + 1);
                }

                checkedCount++;
                previous = entry;
            }

            if (entries.Count < Page)
            {
                return new PlatformAuditVerificationDto(true, checkedCount, null);
            }
        }
    }
}
