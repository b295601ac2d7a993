using Cms.Application.Abstractions;
using Cms.Application.Audit;
using Cms.Application.Common;
using Cms.Domain.Common;
using Cms.Domain.Reports;
using Mediator;

namespace Cms.Application.Reports.FcaReturn.TakeFcaReturnSnapshot;

/// <summary>
/// A frozen return: the figures as they stood when the period was closed (<see cref="Sequence"/> 1) or amended (2 and up,
/// with the cells that changed since the previous snapshot). Counts and sums only: no personal data, so a later erasure
/// changes nothing in it.
/// </summary>
public sealed record FcaReturnSnapshotDto(Guid Id, Guid LegalEntityId, DateOnly PeriodStart, int Sequence, FcaReturnDto Return,
    IReadOnlyList<FcaDifference> Differences, Guid? TakenBy, DateTimeOffset TakenAt)
{
    public bool IsAmendment => Sequence > 1;
}

/// <summary>The stored snapshots of the tenant in scope (insert and read only).</summary>
public interface IFcaReturnSnapshotStore
{
    /// <summary>The snapshots of an entity's period, oldest first.</summary>
    Task<IReadOnlyList<FcaReturnSnapshotDto>> ListAsync(Guid legalEntityId, DateOnly periodStart, CancellationToken cancellationToken);

    /// <summary>As <see cref="ListAsync"/>, the read queued to travel with the transaction's next load; the function, called
    /// after that load, gives the snapshots.</summary>
    Func<CancellationToken, Task<IReadOnlyList<FcaReturnSnapshotDto>>> ListAlong(Guid legalEntityId, DateOnly periodStart) =>
        cancellationToken => ListAsync(legalEntityId, periodStart, cancellationToken);

    /// <summary>Stores a snapshot; a concurrent one of the same sequence loses on the key (409).</summary>
    Task AddAsync(FcaReturnSnapshotDto snapshot, CancellationToken cancellationToken);
}

/// <summary>
/// Closes a period of an entity by freezing its figures (supervisor+), with the contextual figures its sections ask
/// for (<c>section.code</c> → value). The period must have ended and every complaint in it must map to an FCA product
/// and cause. A later call is an amendment listing the differences; one with no difference is refused.
/// </summary>
public sealed record TakeFcaReturnSnapshotCommand(Guid LegalEntityId, string? PeriodStart, IReadOnlyDictionary<string, long>? Context)
    : ICommand<Result<FcaReturnSnapshotDto>>, IUseCaseMessage
{
    UseCase IUseCaseMessage.UseCase => UseCase.TakeFcaReturnSnapshot;
}

public sealed class TakeFcaReturnSnapshotValidator : IValidator<TakeFcaReturnSnapshotCommand>
{
    private static readonly IReadOnlySet<string> ContextKeys = FcaReturnReference.Context.Select(FcaReturnBuilder.ContextKey).ToHashSet();

    public void Validate(TakeFcaReturnSnapshotCommand request, ValidationErrors errors)
    {
        FcaReturnInput.Validate(request.LegalEntityId, request.PeriodStart, errors);
        foreach (var (key, value) in request.Context ?? new Dictionary<string, long>())
        {
            if (!ContextKeys.Contains(key))
            {
                errors.Add("context", $"'{key}' is not a contextual figure of the return; known: {string.Join(", ", ContextKeys.Order())}.");
            }
            else if (value < 0)
            {
                errors.Add("context", $"'{key}' must not be negative.");
            }
        }
    }
}

internal sealed class TakeFcaReturnSnapshotHandler(FcaReturnCalculator calculator, IFcaReturnSnapshotStore snapshots, CallerContext caller,
    AuditTrail audit, TimeProvider clock) : ICommandHandler<TakeFcaReturnSnapshotCommand, Result<FcaReturnSnapshotDto>>
{
    public async ValueTask<Result<FcaReturnSnapshotDto>> Handle(TakeFcaReturnSnapshotCommand command, CancellationToken cancellationToken)
    {
        FcaReturnInput.TryParsePeriod(command.PeriodStart, out var period);
        var now = clock.GetUtcNow();
        var (_, end, _) = await calculator.BoundsAsync(period, cancellationToken);
        if (now < end)
        {
            // The entity is checked first, as ever: an unknown one is 404 whatever the period.
            return await calculator.EntityAsync(command.LegalEntityId, cancellationToken) is null
                ? Error.NotFound("legal_entity")
                : Error.Conflict("fca_return.period_open", $"The period runs to {period.LastDay:yyyy-MM-dd}: it can be frozen once it has ended.");
        }

        // The earlier snapshots travel with the return's aggregates, the entity and the taxonomies (docs/adr/0011 part 8).
        var earlierRead = snapshots.ListAlong(command.LegalEntityId, period.Start);
        if (await calculator.ReadAsync(command.LegalEntityId, period, cancellationToken) is not { } figures)
        {
            return Error.NotFound("legal_entity");
        }

        var entity = figures.Entity;
        var earlier = await earlierRead(cancellationToken);
        var previous = earlier.Count > 0 ? earlier[^1] : null;
        // An amendment without new context keeps the figures the firm supplied before.
        var current = figures.Build(command.Context ?? ContextOf(previous));
        if (current.DataQuality.BlocksSubmission)
        {
            return Error.Conflict("fca_return.unmapped_complaints",
                $"{current.DataQuality.UnmappedProduct} complaint(s) map to no FCA product and {current.DataQuality.UnmappedCause} to no FCA cause: "
                + "see GET /v1/reports/fca-complaints-return/unmapped and PUT /v1/return-mappings/{kind}.");
        }

        var differences = previous is null ? [] : FcaReturnCells.Differences(previous.Return, current);
        if (previous is not null && differences.Count == 0)
        {
            return Error.Conflict("fca_return.unchanged", $"Nothing changed since snapshot {previous.Sequence} of this period.");
        }

        var snapshot = new FcaReturnSnapshotDto(Ids.New(), entity.Id, period.Start, (previous?.Sequence ?? 0) + 1, current, differences,
            caller.Staff?.Id, now);
        await snapshots.AddAsync(snapshot, cancellationToken);
        await audit.RecordAsync("fca_return.snapshot_taken", AuditTrail.FcaReturnSnapshot, snapshot.Id, snapshot.Sequence,
            ["legalEntityId", "periodStart", "sequence", "figures", "differences"], cancellationToken);
        return snapshot;
    }

    private static Dictionary<string, long>? ContextOf(FcaReturnSnapshotDto? snapshot) =>
        snapshot?.Return.Sections
            .SelectMany(s => s.Context.Where(c => c.Value is not null)
                .Select(c => (Key: $"{s.Permission.ToWire()}.{c.Code}", Value: c.Value!.Value)))
            .ToDictionary(c => c.Key, c => c.Value, StringComparer.Ordinal);
}
