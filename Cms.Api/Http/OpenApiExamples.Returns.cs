using Cms.Api.Endpoints;
using Cms.Application.LegalEntities;
using Cms.Application.Reports.FcaReturn;
using Cms.Application.Reports.FcaReturn.TakeFcaReturnSnapshot;
using Cms.Application.Reports.ReturnMappings;
using Cms.Domain.LegalEntities;
using Cms.Domain.Taxonomies;

namespace Cms.Api.Http;

/// <summary>The examples of the legal entities and the FCA return (issue 21).</summary>
public static partial class OpenApiExamples
{
    private static readonly Guid EntityId = Guid.Parse("0195f0a2-7c41-7b7e-9d1a-3c5e2f4b6a21");
    private static readonly Guid SnapshotId = Guid.Parse("0195f0a2-7c41-7b7e-9d1a-3c5e2f4b6a22");
    private static readonly Guid SupervisorId = Guid.Parse("0195f0a2-7c41-7b7e-9d1a-3c5e2f4b6a23");

    // Fields of this file only: the initialisers of a partial class's other files may run after these.
    private static readonly DateTimeOffset FrozenAt = new(2027, 7, 5, 9, 30, 0, TimeSpan.Zero);

    private static readonly Dictionary<Type, object> ReturnExamples = new()
    {
        [typeof(LegalEntityEndpoints.LegalEntityBody)] = new LegalEntityEndpoints.LegalEntityBody("Example Cards Ltd", "654321",
            [FcaPermission.ConsumerCredit, FcaPermission.PaymentServices]),
        [typeof(LegalEntityDto)] = new LegalEntityDto(EntityId, "Example Cards Ltd", "654321", [FcaPermission.ConsumerCredit, FcaPermission.PaymentServices],
            IsDefault: false, FrozenAt, FrozenAt, Version: 1),
        [typeof(FcaReturnDto)] = FcaReturn(),
        [typeof(List<UnmappedComplaintDto>)] = new List<UnmappedComplaintDto>
        {
            new(Guid.Parse("0195f0a2-7c41-7b7e-9d1a-3c5e2f4b6a04"), "CMP-2027-000042", "mortgage", "fees", ProductUnmapped: true, CauseUnmapped: false),
        },
        [typeof(IReadOnlyList<UnmappedComplaintDto>)] = new List<UnmappedComplaintDto>
        {
            new(Guid.Parse("0195f0a2-7c41-7b7e-9d1a-3c5e2f4b6a04"), "CMP-2027-000042", "mortgage", "fees", ProductUnmapped: true, CauseUnmapped: false),
        },
        [typeof(FcaReturnEndpoints.SnapshotBody)] = new FcaReturnEndpoints.SnapshotBody(EntityId, "2027-01-01",
            new Dictionary<string, long> { ["consumer_credit.accounts_open_at_period_end"] = 120_000 }),
        [typeof(FcaReturnSnapshotDto)] = Snapshot(),
        [typeof(IReadOnlyList<FcaReturnSnapshotDto>)] = new List<FcaReturnSnapshotDto> { Snapshot() },
        [typeof(FcaReturnEndpoints.MappingBody)] = new FcaReturnEndpoints.MappingBody([new ReturnMappingEntry("credit_card", "consumer_credit.credit_card")]),
        [typeof(Application.Reports.DotDisability.DotDisabilityReportDto)] = new Application.Reports.DotDisability.DotDisabilityReportDto(2026,
            "America/New_York", 0, 42, 40, [new Application.Reports.DotDisability.DotCategoryLine("seating", "Seating accommodation", 5, 5)], 1),
        [typeof(ReturnMappingDto)] = new ReturnMappingDto(TaxonomyKind.FcaProduct, 0, [new ReturnMappingEntry("credit_card", "consumer_credit.credit_card")]),
    };

    private static FcaReturnDto FcaReturn()
    {
        var figures = new FcaFigures(120, 110, 55, 40, 60, 10, 1_250_000);
        return new FcaReturnDto(EntityId, "Example Cards Ltd", "654321", new DateOnly(2027, 1, 1), new DateOnly(2027, 6, 30), "Europe/London", 0, 0,
            NilReturn: false, OutstandingAtStart: 14, figures,
            [new FcaSection(FcaPermission.ConsumerCredit, figures, [new FcaLine("consumer_credit.credit_card", "Credit card", figures)],
                [new FcaLine("terms_and_charges", "Terms, disputed sums and charges", figures)], [])],
            new FcaVulnerability(14, 2), new FcaDataQuality(0, 0, 0, 0));
    }

    private static FcaReturnSnapshotDto Snapshot() => new(SnapshotId, EntityId, new DateOnly(2027, 1, 1), 2, FcaReturn(),
        [new FcaDifference("consumer_credit", "consumer_credit.credit_card", "", "upheld", "54", "55")], SupervisorId, FrozenAt);
}
