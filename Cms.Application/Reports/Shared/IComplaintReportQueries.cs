namespace Cms.Application.Reports;

/// <summary>The regulatory return, computed by aggregates in the database over the period [start, end).</summary>
public interface IComplaintReportQueries
{
    Task<ReportFigures> TotalsAsync(DateTimeOffset start, DateTimeOffset end, CancellationToken cancellationToken);

    Task<IReadOnlyList<GroupFigures>> ByProductAsync(DateTimeOffset start, DateTimeOffset end, CancellationToken cancellationToken);

    Task<IReadOnlyList<GroupFigures>> ByRootCauseAsync(DateTimeOffset start, DateTimeOffset end, CancellationToken cancellationToken);

    Task<VulnerabilityFigures> VulnerabilityAsync(DateTimeOffset start, DateTimeOffset end, CancellationToken cancellationToken);

    Task<ReliefFigures> ReliefAsync(DateTimeOffset start, DateTimeOffset end, CancellationToken cancellationToken);

    Task<DisabilityFigures> DisabilityAsync(DateTimeOffset start, DateTimeOffset end, CancellationToken cancellationToken);
}
