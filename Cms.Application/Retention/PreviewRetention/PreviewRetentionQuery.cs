using Cms.Application.Common;
using Cms.Domain.Common;
using Cms.Domain.Retention;
using Mediator;

namespace Cms.Application.Retention.PreviewRetention;

/// <summary>
/// What the retention job would erase at <paramref name="AsOf"/> (now when absent), by consumer id, keyset-paged: the
/// same scan and the same decision as the job (<see cref="RetentionReview"/>), so the job then erases exactly these.
/// Consumers under a legal hold or with a complaint still open are not listed (the job keeps them).
/// </summary>
public sealed record PreviewRetentionQuery(DateTimeOffset? AsOf, int? Limit, string? Cursor)
    : IQuery<Result<Page<RetentionPreviewItemDto>>>, IUseCaseMessage, IPagedRequest
{
    UseCase IUseCaseMessage.UseCase => UseCase.PreviewRetention;
}

public sealed class PreviewRetentionValidator : IValidator<PreviewRetentionQuery>
{
    public void Validate(PreviewRetentionQuery request, ValidationErrors errors) => errors.Page(request);
}

internal sealed class PreviewRetentionHandler(IRetentionStore store, RetentionReview review, TimeProvider clock)
    : IQueryHandler<PreviewRetentionQuery, Result<Page<RetentionPreviewItemDto>>>
{
    /// <summary>Candidates scanned per page at most, so that a tenant with few due consumers still answers promptly.</summary>
    public const int MaxScanned = 5_000;

    public async ValueTask<Result<Page<RetentionPreviewItemDto>>> Handle(PreviewRetentionQuery query, CancellationToken cancellationToken)
    {
        var limit = query.EffectiveLimit();
        var now = query.AsOf ?? clock.GetUtcNow();
        var schedule = await store.GetScheduleAsync(cancellationToken);
        var items = new List<RetentionPreviewItemDto>();
        var after = query.After()?.Id;
        var scanned = 0;
        while (true)
        {
            var (decided, last) = await review.NextAsync(schedule, after, limit, now, cancellationToken);
            foreach (var (candidate, verdict) in decided)
            {
                after = candidate.ConsumerId;
                if (verdict.Action != RetentionAction.Erase)
                {
                    continue;
                }

                items.Add(new RetentionPreviewItemDto(candidate.ConsumerId, verdict.DueAt!.Value, verdict.Rule!, candidate.Complaints.Count,
                    candidate.Complaints.Where(c => c.ClosedAt is not null).Max(c => c.ClosedAt!.Value)));
                if (items.Count == limit)
                {
                    return Next(items, after);
                }
            }

            scanned += decided.Count;
            if (last is null)
            {
                return new Page<RetentionPreviewItemDto>(items, null);
            }

            if (scanned >= MaxScanned)
            {
                return Next(items, after);
            }
        }
    }

    private static Page<RetentionPreviewItemDto> Next(List<RetentionPreviewItemDto> items, Guid? after) =>
        new(items, after is { } id ? Cursor.Encode(new CursorKey(null, id)) : null);
}
