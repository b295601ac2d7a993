using Cms.Application.Abstractions;
using Cms.Application.Common;
using Cms.Application.Reports.FcaReturn;
using Cms.Domain.Common;
using Cms.Domain.Taxonomies;
using Cms.Domain.Tenants;
using Mediator;

namespace Cms.Application.Reports.DotDisability;

/// <summary>One nature-of-complaint category of the DOT report and the disability complaints received under it.</summary>
public sealed record DotCategoryLine(string Code, string Label, long Received, long DispositiveResponseWithin30Days);

/// <summary>
/// The airline's annual report of disability-related complaints to the US DOT (14 CFR 382.157(d)) for a calendar year in
/// the tenant's regulatory time zone: every category of the dot_category taxonomy (the tenant's current version, else the
/// built-in one) with the complaints received, and those whose categories map to none.
/// </summary>
public sealed record DotDisabilityReportDto(int Year, string TimeZone, int CategoryVersion, long Received, long DispositiveResponseWithin30Days,
    IReadOnlyList<DotCategoryLine> ByCategory, long Unmapped);

/// <summary>One group of the database's aggregate: the disability complaints whose category maps to one DOT code (null: none).</summary>
public sealed record DotGroupRow(string? Code, long Received, long DispositiveResponseWithin30Days);

public interface IDotDisabilityQueries
{
    Task<IReadOnlyList<DotGroupRow>> GroupsAsync(DateTimeOffset start, DateTimeOffset end, CancellationToken cancellationToken);
}

/// <summary>The DOT disability report for <paramref name="Year"/> (supervisor+, auditor); airline tenants only (409 otherwise).</summary>
public sealed record GetDotDisabilityReportQuery(int? Year) : IQuery<Result<DotDisabilityReportDto>>, IUseCaseMessage
{
    UseCase IUseCaseMessage.UseCase => UseCase.GetDotDisabilityReport;
}

public sealed class GetDotDisabilityReportValidator : IValidator<GetDotDisabilityReportQuery>
{
    public void Validate(GetDotDisabilityReportQuery request, ValidationErrors errors)
    {
        if (request.Year is not (>= 2000 and <= 9998))
        {
            errors.Add("year", "'year' is required: the calendar year of the report, e.g. 2026.");
        }
    }
}

internal sealed class GetDotDisabilityReportHandler(ITenantRepository tenants, TenantScope scope, FcaReturnCalculator taxonomies,
    IDotDisabilityQueries queries) : IQueryHandler<GetDotDisabilityReportQuery, Result<DotDisabilityReportDto>>
{
    public async ValueTask<Result<DotDisabilityReportDto>> Handle(GetDotDisabilityReportQuery query, CancellationToken cancellationToken)
    {
        var tenant = await tenants.GetAsync(scope.Required, cancellationToken)
                     ?? throw new InvalidOperationException("The caller's tenant does not exist.");
        if (tenant.Sector != Sector.Airline)
        {
            return Error.Conflict("dot_report.not_airline", "The DOT disability report (14 CFR 382.157) is made by airlines only.");
        }

        var year = query.Year!.Value;
        var calendar = tenant.Profile.Calendar;
        var start = calendar.EndOfDay(new DateOnly(year - 1, 12, 31)).AddTicks(1);
        var end = calendar.EndOfDay(new DateOnly(year, 12, 31)).AddTicks(1);
        var categories = await taxonomies.TaxonomyAsync(TaxonomyKind.DotCategory, cancellationToken);
        // A category mapped onto a code the current version no longer holds counts as unmapped.
        var groups = (await queries.GroupsAsync(start, end, cancellationToken))
            .Select(g => g with { Code = categories.Contains(g.Code) ? g.Code : null }).ToList();
        return new DotDisabilityReportDto(year, calendar.TimeZoneId, categories.Version, groups.Sum(g => g.Received),
            groups.Sum(g => g.DispositiveResponseWithin30Days),
            [.. categories.Entries.Select(c => new DotCategoryLine(c.Code, c.Label, groups.Where(g => g.Code == c.Code).Sum(g => g.Received),
                groups.Where(g => g.Code == c.Code).Sum(g => g.DispositiveResponseWithin30Days)))],
            groups.Where(g => g.Code is null).Sum(g => g.Received));
    }
}
